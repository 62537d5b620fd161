# Rounds, visits, checklists, violation records and citizen reports arrive with the
# inspections issue; the app exists now so that its pages and permissions have a home.
