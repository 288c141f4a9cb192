// () => visible form controls and buttons without an accessible name
() =>
  [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.offsetParent !== null)
    .filter(
      (el) =>
        !(el.labels && el.labels.length) &&
        !el.getAttribute('aria-label') &&
        !el.getAttribute('aria-labelledby') &&
        !(el.tagName === 'BUTTON' && el.textContent.trim()),
    )
    .map((el) => el.outerHTML.slice(0, 120))
