// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen readers announce the problems.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Close an open header menu when clicking elsewhere.
  document.addEventListener("click", (event) => {
    document.querySelectorAll(".topbar details[open]").forEach((d) => {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });
});

// Create User: show the password fields only when "Set credentials" is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const radios = document.querySelectorAll('input[name="mode"]');
  const box = document.querySelector(".credentials");
  if (!radios.length || !box) return;
  const sync = () => {
    const chosen = document.querySelector('input[name="mode"]:checked');
    box.hidden = !chosen || chosen.value !== "credentials";
  };
  radios.forEach((r) => r.addEventListener("change", sync));
  sync();
});

// Copy buttons: each [data-copy] element (an address, a snippet, a secret's
// input) gets a "Copy" button after it. Without JavaScript the text stays
// selectable; where the clipboard is refused, the text is selected instead.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy]").forEach((source) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute(
      "aria-label",
      "Copy " + (source.dataset.copy || "to clipboard"),
    );
    const status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    const text = () =>
      source.tagName === "INPUT" ? source.value : source.textContent.trim();
    const select = () => {
      if (source.tagName === "INPUT") {
        source.select();
        return;
      }
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    };
    let timer;
    const say = (words) => {
      status.textContent = words;
      clearTimeout(timer);
      timer = setTimeout(() => (status.textContent = ""), 3000);
    };
    button.addEventListener("click", () => {
      if (!navigator.clipboard) {
        select();
        say("Selected: press Ctrl+C (⌘C) to copy.");
        return;
      }
      navigator.clipboard.writeText(text()).then(
        () => say("Copied."),
        () => {
          select();
          say("Selected: press Ctrl+C (⌘C) to copy.");
        },
      );
    });
    source.after(button, status);
  });
});
