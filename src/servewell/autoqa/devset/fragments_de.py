# ruff: noqa: E501  (phrase lists and patterns read best one per line, unwrapped)
"""German fragments, written in German (not translated from the English ones)."""

CUSTOMER_NAMES = ["Anna", "Lukas", "Sabine", "Jonas", "Petra"]
AGENT_NAMES = ["Katrin", "Felix", "Miriam", "Stefan"]

ISSUES = [
    (
        "Hallo, meine Bestellung 7712 sollte am Montag kommen und ist immer noch nicht da. Ich bin echt verärgert.",
        True,
        -1,
        "auf eine Bestellung zu warten, die nicht ankommt",
    ),
    (
        "Sie haben meine Kreditkarte doppelt belastet. Das ist inakzeptabel.",
        True,
        -1,
        "eine doppelte Abbuchung auf der Karte zu sehen",
    ),
    (
        "Die Kaffeemaschine ist kaputt angekommen, der Karton war völlig zerdrückt.",
        True,
        -1,
        "eine kaputte Kaffeemaschine auszupacken",
    ),
    (
        "Verdammt, seit einer Woche keine Antwort. So ein Scheiß Service.",
        True,
        -1,
        "eine Woche auf eine Antwort zu warten",
    ),
    (
        "Der Gutscheincode funktioniert nicht an der Kasse.",
        True,
        0,
        "einen Gutscheincode abgelehnt zu bekommen",
    ),
    ("Guten Tag, liefern Sie auch in die Schweiz?", False, 0, ""),
    ("Hallo, können Sie mir die Rechnung für meine letzte Bestellung schicken?", False, 0, ""),
    ("Ich liebe die neue Jacke! Gibt es die auch in Grün?", False, 1, ""),
]
CUSTOMER_LAST = [
    ("Vielen Dank, super!", 1),
    ("Perfekt, danke für die schnelle Hilfe.", 1),
    ("Okay.", 0),
    ("Das ist wirklich schlecht. Ich bin enttäuscht und wütend.", -1),
]
GREETINGS = [
    ("Hallo {c},", "greeting"),
    ("Guten Tag {c},", "greeting"),
    ("Liebe {c},", "greeting"),
    ("{c},", ""),
    ("Zu Ihrer Anfrage:", ""),
]
INTROS = [
    ("Mein Name ist {a} und ich kümmere mich heute um Ihr Anliegen.", "intro own"),
    ("Hier schreibt {a} vom Kundenservice.", "intro"),
    ("Danke für Ihre Nachricht.", ""),
]
EMPATHY = [
    (
        "Ich kann gut verstehen, wie ärgerlich es ist, {s}, wenn man sich darauf verlassen hat.",
        "empathy",
    ),
    ("Es tut mir leid zu hören, dass Sie {s} mussten, gerade vor dem Wochenende.", "empathy"),
    ("Das muss wirklich frustrierend gewesen sein, so lange {s}.", "empathy"),
    ("Ich verstehe, aber das sind die Regeln.", ""),
    ("Ich verstehe Ihren Ärger, jedoch können wir nichts tun.", ""),
    ("Na klar, was für eine Tragödie.", "rude"),
]
APOLOGIES = [
    ("Bitte entschuldigen Sie die Unannehmlichkeiten.", "apology"),
    ("Es tut mir sehr leid, das war unser Fehler.", "apology"),
    ("Wir entschuldigen uns für die Verzögerung.", "apology"),
    ("Entschuldigung, können Sie mir Ihre E-Mail-Adresse bestätigen?", ""),
    ("Es tut mir leid, aber das geht nicht.", ""),
]
SORRY_NOT_APOLOGY = [
    ("Entschuldigen Sie die Wartezeit, hier die Antwort.", ""),
    ("Gute Frage!", ""),
]
BODIES = [
    ("Ich habe Ihnen den vollen Betrag erstattet.", "own"),
    ("Ich werde mit dem Lager klären, was passiert ist.", "own"),
    ("Ich habe Ihnen ein neues Gerät per Express geschickt.", "own"),
    ("Dafür müssen Sie sich an den Paketdienst wenden.", ""),
    ("Ja, wir liefern in die Schweiz.", ""),
    ("Die Rechnung finden Sie in Ihrem Kundenkonto.", ""),
]
NEXT_STEPS = [
    ("Sie erhalten das Geld innerhalb von 5 Werktagen.", "next"),
    (
        "Das Paket sollte bis Donnerstag ankommen, die Sendungsnummer schicke ich per E-Mail.",
        "next own",
    ),
    ("Bitte senden Sie uns ein Foto des Schadens.", "next"),
    ("Mal sehen, was passiert.", ""),
]
RUDE = [
    ("Wie ich bereits gesagt habe, dauert die Erstattung.", "rude"),
    ("Das ist nicht mein Problem.", "rude"),
    ("Beruhigen Sie sich bitte.", "rude"),
    ("Das ist eine blöde Frage.", "rude"),
]
CLOSINGS = [
    ("Ich wünsche Ihnen einen schönen Tag.", "closing"),
    ("Bei weiteren Fragen melden Sie sich gerne.", "closing"),
    ("Vielen Dank für Ihre Geduld.", "closing"),
    ("Das wäre alles.", ""),
]
SIGNATURES = [
    ("Mit freundlichen Grüßen\n{a}", "closing"),
    ("--\n{a} | Kundenservice\nWir entschuldigen uns für längere Antwortzeiten.", ""),
    ("{a}\nVon meinem iPhone gesendet", ""),
]
QUOTED = [
    ("\n\nAm Mo., 2. März 2026 um 09:00 schrieb {c} <kunde@example.com>:\n{q}", ""),
    (
        "\n\n-----Ursprüngliche Nachricht-----\nVon: {c}\nGesendet: Montag, 2. März 2026 09:00\n\nHallo, hier ist Felix. Es tut mir sehr leid, ich habe Ihnen alles erstattet. Schönen Tag noch.",
        "",
    ),
]
FOLLOW_UPS = [
    ("Gern geschehen, {c}.", "closing"),
    ("Ich habe Ihnen einen Gutschein über 10 € geschickt.", "own"),
    ("Ich melde mich morgen mit Neuigkeiten.", "own next"),
    ("Mehr kann ich nicht tun.", ""),
]
