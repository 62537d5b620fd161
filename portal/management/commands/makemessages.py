from django.core.management.commands import makemessages


class Command(makemessages.Command):
    # msgmerge's fuzzy matching guesses translations for new strings from similar old ones,
    # and a wrong guess would reach users; new strings must be translated by a person.
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
