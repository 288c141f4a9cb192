// the dictionaries' keys, untranslated labels and empty ones
async () => {
  const i = await import('/console/js/i18n.js');
  const { en, ru } = i.DICTIONARIES;
  return {
    en: Object.keys(en),
    ru: Object.keys(ru),
    same: Object.keys(ru).filter((k) => ru[k] === en[k] && !/^[A-Z]/.test(en[k])),
    empty: Object.keys(ru).filter((k) => !ru[k] || !en[k]),
  };
}
