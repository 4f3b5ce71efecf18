"""Synthetic users for ``manage.py seed_users``: realistic names of every frequency,
unique emails and mobile numbers, and the column orders of their rows for the bulk
writer (``core.fastpath.copy``: COPY on PostgreSQL, batched INSERTs elsewhere)
that puts them in place without the services."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from core.fastpath.copy import CopyTable
from identity_pools.models import PoolUser

# Users are created over this period before now, oldest first (in id order).
CREATED_OVER = timedelta(days=3 * 365)

# (value, cumulative weight) tables for the status mix and the number of groups a
# user is in.
STATUS_MIX = (
    (PoolUser.Status.ACTIVE.value, 90),
    (PoolUser.Status.NEW.value, 6),
    (PoolUser.Status.INACTIVE.value, 4),
)
GROUPS_PER_USER = ((0, 30), (1, 45), (2, 25))
PHONE_SHARE = 0.10
# Mobile numbers are +44 79xx xxxxxx, derived from the user's serial number, so
# they are unique (and valid for phonenumbers) up to 100 million seeded users.
PHONE_PREFIX = 7900
MAX_SERIAL = 100_000_000


def _names(text: str) -> list[str]:
    """Whitespace-separated names; "_" stands for a space inside a name."""
    return [word.replace("_", " ") for word in text.split()]


# Names in rough order of frequency; the weights below fall off with rank, so a
# name search matches from a few percent of users down to a few in ten thousand.
FIRST_NAMES = _names(
    """
James Mary Mohammed John Patricia Robert Jennifer Michael Linda David Elizabeth
William Barbara Wei Richard Susan Joseph Jessica Thomas Sarah Charles Karen Fatima
Christopher Lisa Daniel Nancy Matthew Maria Anthony Sandra Mark Margaret Ana Donald
Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Lucas
Kevin Amanda Brian Melissa George Deborah Priya Timothy Stephanie Ronald Rebecca
Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela
Nicholas Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole
Scott Helen Brandon Samantha Benjamin Katherine Samuel Christine Gregory Rachel
Alexander Carolyn Patrick Janet Frank Olivia Raymond Heather Jack Diane Dennis Julie
Jerry Joyce Tyler Victoria Aaron Ruth José Virginia Adam Lauren Nathan Kelly Henry
Christina Zachary Joan Douglas Evelyn Peter Judith Kyle Andrea Noah Hannah Ethan
Megan Jeremy Cheryl Walter Jacqueline Christian Martha Keith Madison Roger Teresa
Terry Gloria Austin Sara Sean Janice Gerald Ann Carl Kathryn Harold Abigail Dylan
Sophia Arthur Frances Lawrence Jean Jordan Alice Jesse Judy Bryan Isabella Billy
Julia Bruce Grace Gabriel Amber Joe Denise Logan Danielle Alan Marilyn Juan Beverly
Albert Charlotte Willie Natalie Elijah Theresa Wayne Diana Randy Brittany Vincent
Doris Mason Kayla Roy Alexis Ralph Lori Bobby Marie Russell Ava Bradley Aisha Philip
Yuki Eugene Chloé Omar Léa Hiroshi Sofía Rahul Zoë Mateo Ingrid Björn Renée Kwame
Amara Chen Aiko Dmitri Olga Sven Astrid Giulia Marco Noël Inès Tomás Ngozi Ravi
Leila Hamza Mei Kenji Sakura Anil Deepa Emeka Chiara Pieter Femke Liam Niamh Siobhan
"""
)

LAST_NAMES = _names(
    """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson
White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright
Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins
Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez
Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel
Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman
Butler Henderson Barnes Fisher Vasquez Simmons Romero Jordan Patterson Alexander
Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera
Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison
Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb
Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw
Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose
Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols
Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Spencer Hawkins Arnold Pierce
Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson
Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston
Matthews Peña Richards Willis Carpenter Lawrence Sandoval Müller Schneider Fischer
Weber Becker Dubois Lefèvre Moreau Rossi Russo Ferrari Esposito Bianchi Novak Nowak
Kowalski Wiśniewski Jansen de_Vries van_Dijk O'Brien O'Connor Smith-Jones Yamamoto
Tanaka Suzuki Satō Wang Li Zhang Liu Singh Kumar Sharma Khan Ali Hussain Ahmed
Okafor Mensah Andersson Johansson Nielsen Larsen Papadopoulos Horvat Kovačević
Fitzgerald MacLeod Gallagher Quinn Doyle Byrne Ó_Súilleabháin Nakamura Watanabe
"""
)


def cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def by_rank(count: int, offset: int) -> list[float]:
    """Cumulative weights 1/(rank + offset), falling off with rank like real name
    frequencies (offset 10) or more steeply, for a few big groups (offset 1)."""
    return cumulative(1 / (rank + offset) for rank in range(count))


def _slug(name: str) -> str:
    """The local part of an email for a name: "Ó Súilleabháin" → "osuilleabhain"."""
    text = unicodedata.normalize("NFKD", name).lower()
    return re.sub(r"[^a-z]", "", text)


FIRST_CUM = by_rank(len(FIRST_NAMES), 10)
LAST_CUM = by_rank(len(LAST_NAMES), 10)
FIRST_SLUGS = [_slug(n) for n in FIRST_NAMES]
LAST_SLUGS = [_slug(n) for n in LAST_NAMES]


USERS = CopyTable(
    PoolUser,
    [
        "id",
        "pool_id",
        "status",
        "user_data",
        "display_name",
        "last_sign_in_at",
        "created_at",
        "updated_at",
    ],
)


@dataclass
class Batch:
    users: list[tuple]
    identifiers: list[tuple]
    memberships: list[tuple]
    per_group: Counter
    phones: int
