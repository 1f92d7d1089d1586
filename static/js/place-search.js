// Progressive enhancement of the finder's place list: with JavaScript, the list of
// places becomes a type-ahead (GOV.UK's accessible-autocomplete, loaded by the finder
// page just before this module). Without it, or in a browser too old for modules, the
// plain list works as it always did.
const select = document.querySelector('#finder-form select[name="location"]')

if (select && window.accessibleAutocomplete) {
  const names = Array.from(select.options).filter((option) => option.value)

  window.accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: '',
    showAllValues: false,
    // The default keeps the last place chosen when the box is emptied.
    onConfirm: (chosen) => {
      const match = names.find((option) => option.textContent === chosen)
      if (match) match.selected = true
    }
  })

  // What the box says when the form is sent is what is searched for: nothing, a place
  // from the list (whatever its case), or the words typed, which the finder refuses
  // with a message next to the question rather than searching for something else.
  select.form.addEventListener('submit', () => {
    const typed = document.getElementById(select.id.replace(/-select$/, '')).value.trim()
    const match = names.find((option) => option.textContent.toLowerCase() === typed.toLowerCase())
    if (!typed) {
      select.value = ''
    } else if (match) {
      match.selected = true
    } else {
      select.add(new Option(typed, typed, true, true))
    }
  })
}
