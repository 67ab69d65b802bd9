# ruff: noqa: E501  (phrase lists and patterns read best one per line, unwrapped)
"""Spanish fragments, written in Spanish (not translated from the English ones)."""

CUSTOMER_NAMES = ["Lucía", "Javier", "Carmen", "Diego", "Marta"]
AGENT_NAMES = ["Sofía", "Pablo", "Elena", "Andrés"]

ISSUES = [
    (
        "Hola, mi pedido 3381 tenía que llegar el lunes y todavía no ha llegado. Estoy muy enfadada.",
        True,
        -1,
        "esperar un pedido que no llega",
    ),
    (
        "Me habéis cobrado dos veces la misma factura. Es una vergüenza.",
        True,
        -1,
        "ver dos cargos por la misma factura",
    ),
    ("La cafetera llegó rota, la caja estaba destrozada.", True, -1, "recibir una cafetera rota"),
    (
        "Joder, llevo una semana esperando una respuesta. Qué mierda de servicio.",
        True,
        -1,
        "esperar una semana sin respuesta",
    ),
    (
        "El código de descuento no funciona en la web.",
        True,
        0,
        "ver que el código de descuento no funciona",
    ),
    ("Buenas, ¿hacéis envíos a Canarias?", False, 0, ""),
    ("Hola, ¿me podéis enviar la factura de mi último pedido? Gracias.", False, 0, ""),
    ("¡Me encanta la chaqueta! ¿La tenéis en talla M?", False, 1, ""),
]
CUSTOMER_LAST = [
    ("¡Muchas gracias, genial!", 1),
    ("Perfecto, muy amable.", 1),
    ("Vale.", 0),
    ("Esto es inaceptable, estoy harta.", -1),
]
GREETINGS = [
    ("Hola {c}:", "greeting"),
    ("Buenos días, {c}.", "greeting"),
    ("Estimada {c}:", "greeting"),
    ("{c}:", ""),
    ("Sobre su consulta:", ""),
]
INTROS = [
    ("Me llamo {a} y llevo su caso.", "intro"),
    ("Soy {a}, del equipo de atención al cliente.", "intro"),
    ("Gracias por su mensaje.", ""),
]
EMPATHY = [
    ("Entiendo perfectamente lo molesto que es {s} cuando lo necesitaba con urgencia.", "empathy"),
    ("Me imagino lo frustrante que ha sido {s} durante tantos días.", "empathy"),
    ("Lamento mucho escuchar que ha tenido que {s}, no es lo que queremos para usted.", "empathy"),
    ("Entiendo, pero son las normas.", ""),
    ("Entiendo su frustración, sin embargo no podemos hacer nada.", ""),
    ("Qué tragedia, pobrecita.", "rude"),
]
APOLOGIES = [
    ("Le pido disculpas por las molestias.", "apology"),
    ("Lo siento mucho, ha sido un error nuestro.", "apology"),
    ("Lamentamos el retraso.", "apology"),
    ("Perdone, ¿me confirma su correo electrónico?", ""),
    ("Lo siento, pero no es posible.", ""),
]
SORRY_NOT_APOLOGY = [("Perdone la espera, le cuento.", ""), ("¡Buena pregunta!", "")]
BODIES = [
    ("He reembolsado el importe completo en su tarjeta.", "own"),
    ("Voy a revisar con el almacén qué ha pasado.", "own"),
    ("Le he enviado un nuevo producto por mensajería urgente.", "own"),
    ("Tendrá que contactar con la empresa de transporte.", ""),
    ("Sí, enviamos a Canarias con un recargo.", ""),
    ("La factura está en su área de cliente.", ""),
]
NEXT_STEPS = [
    ("Recibirá el reembolso en un plazo de 5 días hábiles.", "next"),
    ("Le llegará mañana con el número de seguimiento que le envío por correo.", "next"),
    ("Por favor, envíenos una foto del daño.", "next"),
    ("Ya veremos qué pasa.", ""),
]
RUDE = [
    ("Como ya le dije, el reembolso tarda.", "rude"),
    ("No es mi problema que el transportista lo perdiera.", "rude"),
    ("Cálmese, por favor, gritar no ayuda.", "rude"),
    ("Es una pregunta estúpida.", "rude"),
]
CLOSINGS = [
    ("Que tenga un buen día.", "closing"),
    ("Si necesita algo más, no dude en escribirnos.", "closing"),
    ("Gracias por su paciencia.", "closing"),
    ("Eso es todo.", ""),
]
SIGNATURES = [
    ("Un saludo,\n{a}", "closing"),
    ("--\n{a} | Atención al cliente\nLo sentimos si tardamos en responder.", ""),
    ("{a}\nEnviado desde mi iPhone", ""),
]
QUOTED = [
    ("\n\nEl lun, 2 mar 2026 a las 9:00, {c} <cliente@example.com> escribió:\n{q}", ""),
    (
        "\n\n-----Mensaje original-----\nDe: {c}\nEnviado: lunes, 2 de marzo de 2026 9:00\n\nHola, soy Pablo. Lo siento mucho, le he reembolsado. Que tenga un buen día.",
        "",
    ),
]
FOLLOW_UPS = [
    ("De nada, {c}.", ""),
    ("Le he añadido un cupón de 10 € a su cuenta.", "own"),
    ("Le escribiré mañana con novedades.", "own next"),
    ("Nada más que hacer.", ""),
]
