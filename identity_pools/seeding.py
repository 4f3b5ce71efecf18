"""Synthetic users for ``manage.py seed_users``: realistic names of every frequency,
unique emails and mobile numbers, and the bulk writer (COPY on PostgreSQL, batched
INSERTs elsewhere) that puts their rows in place without the services."""

from __future__ import annotations

import itertools
import json
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection, models

from identity_pools.ids import uuid7
from identity_pools.models import GroupMembership, Identifier, PoolUser

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


class IdStream:
    """uuid7 values, strictly increasing across calls, so rows arrive in primary-key
    order (appended to the indexes; listed newest first by id).

    Each batch starts from a fresh ``uuid7()`` and counts up from it by random steps
    in the random bits (RFC 9562, 6.2 method 2, as for ids made in bulk within one
    millisecond); the top bit of rand_b is cleared so the steps never carry into
    the variant bits. Values are 32-digit hex strings, which PostgreSQL and
    UUIDField both take, because building a million UUID objects is slow.
    """

    TOP_RAND_B = 1 << 61

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last = 0

    def take(self, n: int) -> list[str]:
        value = max(uuid7().int & ~self.TOP_RAND_B, self.last + 1)
        step = self.rng.getrandbits
        out = []
        for _ in range(n):
            out.append(f"{value:032x}")
            value += step(20) + 1
        self.last = value
        return out


class CopyTable:
    """Column order for bulk writes of ``model``: the ``given`` attributes first,
    then every other concrete field with its default, so the writes keep working
    when a field with a default is added to the model."""

    def __init__(self, model: type[models.Model], given: list[str]) -> None:
        # Generated columns are the database's to fill.
        fields = {
            f.attname: f
            for f in model._meta.concrete_fields
            if not getattr(f, "generated", False)
        }
        missing = [name for name in given if name not in fields]
        if missing:
            raise CommandError(f"{model.__name__} has no field {missing}.")
        self.model = model
        self.fields = [fields[name] for name in given]
        self.fields += [f for f in fields.values() if f.attname not in given]
        self.defaults = tuple(f.get_default() for f in self.fields[len(given) :])
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        table = qn(self.model._meta.db_table)
        columns = ", ".join(qn(f.column) for f in self.fields)
        if connection.vendor == "postgresql":
            self._copy(f"COPY {table} ({columns}) FROM STDIN", rows)
        else:
            self._insert_many(table, columns, rows)

    def _copy(self, sql: str, rows: list[tuple]) -> None:
        json_positions = self.json_positions
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                row = row + self.defaults
                if json_positions:
                    row = list(row)
                    for i in json_positions:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)

    def _insert_many(self, table: str, columns: str, rows: list[tuple]) -> None:
        """Portable fallback (SQLite): one ``executemany`` INSERT. Not bulk_create,
        whose ``auto_now_add`` would overwrite the spread-out ``created_at``."""
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Table and columns come from the model and are quoted; values are parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        params = [
            [
                f.get_db_prep_save(v, connection)
                for f, v in zip(self.fields, row + self.defaults, strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


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
IDENTIFIERS = CopyTable(
    Identifier,
    [
        "id",
        "pool_id",
        "user_id",
        "type",
        "value",
        "is_verified",
        "verified_at",
        "created_at",
        "updated_at",
    ],
)
MEMBERSHIPS = CopyTable(GroupMembership, ["id", "group_id", "user_id", "created_at"])


@dataclass
class Batch:
    users: list[tuple]
    identifiers: list[tuple]
    memberships: list[tuple]
    per_group: Counter
    phones: int
