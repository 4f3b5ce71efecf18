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
