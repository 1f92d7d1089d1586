// The client summary's Print button (templates/admin/finder/enquiry/client_summary.html).
// Progressive enhancement only: the button is hidden until this script shows it, and the
// browser's own Print works without it.
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
