// () => the enumerations the compose forms offer
async () => (await import('/console/js/forms/kinds.js')).ENUMS
