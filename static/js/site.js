// Progressive enhancement only: every page works without this file.
//
// GOV.UK Frontend's components start only when <body> has `govuk-frontend-supported`.
// Its page template adds that class with an inline script; our Content Security Policy
// allows no inline script, so this module adds it. Browsers too old for ES modules
// never run this file and keep the plain, fully working pages.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('govuk-frontend-supported')
initAll()
