// The authorization response for response_mode=form_post: the form of
// templates/oidc/form_post.html goes to the application at once (its button
// does the same without scripts). No inline script: the CSP forbids it.
"use strict";
document.getElementById("form-post").submit();
