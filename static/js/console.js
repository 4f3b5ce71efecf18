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
