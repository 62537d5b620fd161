# Periods, titles, nominations and the eligibility verdicts arrive with the emulation
# issue; the app exists now so that its pages and permissions have a home.
