// Speaker notes: every `<div class="speaker-notes">` of a page is hidden until the
// instructor presses the button this script adds to the top bar (or the "n" key). The
// choice is remembered (localStorage), so it holds from page to page.
(function () {
    "use strict";
    var KEY = "mpi-workshop-speaker-notes";
    function stored() {
        try { return window.localStorage.getItem(KEY) === "shown"; } catch (e) { return false; }
    }
    function apply(shown, button) {
        document.documentElement.classList.toggle("speaker-notes-shown", shown);
        if (button) {
            button.setAttribute("aria-pressed", shown ? "true" : "false");
            button.title = shown ? "Hide the speaker notes (n)" : "Show the speaker notes (n)";
        }
    }
    function toggle(button) {
        var shown = !document.documentElement.classList.contains("speaker-notes-shown");
        try { window.localStorage.setItem(KEY, shown ? "shown" : "hidden"); } catch (e) { /* private mode */ }
        apply(shown, button);
    }
    var button = document.createElement("button");
    button.id = "speaker-notes-toggle";
    button.className = "icon-button";
    button.type = "button";
    button.setAttribute("aria-label", "Speaker notes");
    button.textContent = "Notes";
    button.addEventListener("click", function () { toggle(button); });
    var bar = document.querySelector(".right-buttons");
    if (bar) { bar.insertBefore(button, bar.firstChild); }
    apply(stored(), button);
    document.addEventListener("keydown", function (event) {
        var target = event.target;
        if (event.key !== "n" || event.ctrlKey || event.altKey || event.metaKey) { return; }
        if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) { return; }
        toggle(button);
    });
})();
