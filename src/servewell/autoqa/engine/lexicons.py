# ruff: noqa: E501  (phrase lists and patterns read best one per line, unwrapped)
"""Per-language lexicons: the phrases that make each criterion, written for each language
on its own terms (never translated word by word).

Each pattern is compiled once. Patterns match the *masked* own words of a message
(``text.own_words``), so quoted history and signatures can never match. Profanity for
English comes from ``better_profanity``'s shipped word list, less a few words that are
ordinary in customer service ("kill" a process, "pot", "god"-speed…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

F = re.I | re.U


def _rx(pattern: str, flags: int = F) -> re.Pattern[str]:
    return re.compile(pattern, flags)


@dataclass(frozen=True)
class Lexicon:
    code: str
    greeting: re.Pattern[str]
    introduction: re.Pattern[str]
    empathy: re.Pattern[str]
    dismissive: re.Pattern[str]
    sarcasm: re.Pattern[str]
    apology: re.Pattern[str]
    let_down: re.Pattern[str]
    ownership: re.Pattern[str]
    ownership_negated: re.Pattern[str]
    next_step: re.Pattern[str]
    closing: re.Pattern[str]
    rude: re.Pattern[str]
    profanity: frozenset[str]
    stopwords: frozenset[str]
    irony: re.Pattern[str] = re.compile(r"(?!x)x")  # weak markers: disqualify empathy only
    positive: frozenset[str] = field(default_factory=frozenset)
    negative: frozenset[str] = field(default_factory=frozenset)
    negators: frozenset[str] = field(default_factory=frozenset)


_BENIGN = {
    "god",
    "kill",
    "killed",
    "pot",
    "fat",
    "sex",
    "gay",
    "homo",
    "lust",
    "weed",
    "screw",
    "screwed",
    "omg",
    "ugly",
    "suck",
    "sucks",
    "hell",
    "nuts",
    "balls",
    "drunk",
    "crack",
    "trashy",
    "bloody",
    "hardcore",
    "kinky",
    "hooker",
    "jerk",
    "moron",
    "stupid",
    "crap",
    "pissed",
    "damn",
    "dammit",
    "wtf",
    "lmao",
    "pron",
    "tit",
    "tits",
    "willy",
    "wang",
    "pecker",
    "prick",
    "cox",
    "knob",
    "snatch",
    "pussy",
    "cock",
    "sadist",
    "beaver",
    "bone",
    "boner",
    "bum",
    "dyke",
    "organ",
    "rectum",
    "semen",
    "spunk",
    "nude",
    "naked",
    "rape",
    "raped",
    "virgin",
    "wad",
    "womb",
    "xx",
    "xxx",
    "fag",
    "junky",
    "stoned",
}
# Agent-side insults that are not in the shipped list but are plainly rude.
_EN_EXTRA = {
    "idiot",
    "idiots",
    "moron",
    "morons",
    "stupid",
    "dumbass",
    "jackass",
    "crap",
    "damn",
    "pissed",
    "wtf",
    "bullshit",
    "bs",
}


@cache
def english_profanity() -> frozenset[str]:
    words = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text()
    shipped = {w.strip().lower() for w in words.splitlines() if w.strip() and " " not in w}
    return frozenset((shipped - _BENIGN) | _EN_EXTRA)


EN_STOP = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "is",
        "are",
        "to",
        "of",
        "for",
        "with",
        "this",
        "that",
        "have",
        "has",
        "will",
        "be",
        "it",
        "we",
        "our",
        "my",
        "i",
        "me",
        "not",
        "was",
        "what",
        "can",
        "would",
        "could",
        "please",
        "thanks",
        "thank",
        "hi",
        "hello",
        "order",
        "if",
        "they",
        "from",
        "about",
        "just",
        "there",
        "which",
        "when",
        "how",
        "been",
        "here",
        "as",
        "at",
        "an",
        "or",
        "so",
        "do",
        "does",
        "did",
    ]
)
ES_STOP = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "de",
        "que",
        "y",
        "en",
        "un",
        "una",
        "por",
        "para",
        "con",
        "no",
        "su",
        "sus",
        "es",
        "está",
        "mi",
        "lo",
        "le",
        "se",
        "del",
        "al",
        "muy",
        "pero",
        "gracias",
        "hola",
        "usted",
        "pedido",
        "como",
        "más",
        "ya",
        "también",
        "esta",
        "este",
        "estoy",
        "he",
        "ha",
        "hemos",
        "favor",
    ]
)
DE_STOP = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "sie",
        "ein",
        "eine",
        "zu",
        "mit",
        "den",
        "dem",
        "auf",
        "für",
        "es",
        "ihre",
        "ihr",
        "wir",
        "mir",
        "mein",
        "meine",
        "bitte",
        "danke",
        "hallo",
        "noch",
        "auch",
        "haben",
        "habe",
        "wird",
        "werden",
        "bei",
        "von",
        "aus",
        "oder",
        "wie",
        "schon",
        "ihnen",
        "uns",
        "war",
    ]
)

_EN_ACTIONS = (
    r"refund(?:ed)?|issued?|process(?:ed)?|sen[dt]|resen[dt]|ship(?:ped)?|escalated?|arranged?|"
    r"book(?:ed)?|check(?:ed)?|look(?:ed)? into|take a look|have a look|investigated?|follow(?:ed)? up|updated?|"
    r"fix(?:ed)?|reset|cancell?(?:ed)?|replaced?|credit(?:ed)?|contact(?:ed)?|call(?:ed)?|"
    r"e-?mail(?:ed)?|keep|kept|make sure|made sure|forward(?:ed)?|raised?|chased?|expedited?|"
    r"waived?|reactivated?|activated?|unlock(?:ed)?|add(?:ed)?|appl(?:y|ied)|changed?|"
    r"correct(?:ed)?|scheduled?|monitor(?:ed)?|reach(?:ed)? out|get back|got back|"
    r"take care|taken care|handled?|sort(?:ed)?|order(?:ed)?|created?|open(?:ed)?|filed?|"
    r"reversed?|reimbursed?|transferr?(?:ed)?|noted?|flag(?:ged)?|test(?:ed)?|"
    r"review(?:ed)?|confirm(?:ed)?|restored?|extend(?:ed)?|upgraded?|prepared?|request(?:ed)?|"
    r"submit(?:ted)?|logg?(?:ed)?|put through|speak|spoken?|personally|dispatch(?:ed)?|"
    r"organi[sz]ed?|set up|sorted out|cover(?:ed)?|pa(?:y|id) for|compensated?|rebook(?:ed)?|"
    r"re-?ship(?:ped)?|pull(?:ed)? up|ask(?:ed)? (?:our|the|my)|go ahead|gone ahead|release[d]?"
)

EN = Lexicon(
    code="en",
    greeting=_rx(
        r"^\W{0,3}(?:hi|hello|hey|hiya|dear|good (?:morning|afternoon|evening|day)|greetings|howdy|welcome)\b"
    ),
    introduction=_rx(
        r"\b(?:(?i:my name is|my name's) [A-Z][\w'-]+|(?i:this is) [A-Z][\w'-]+(?: [A-Z][\w'-]+)? (?i:from|at|with|here|on)\b"
        r"|(?i:I'?m|I am) [A-Z][\w'-]+(?: [A-Z][\w'-]+)?,? (?i:from|at|with|on|and I'?ll|and I will|here|your)\b"
        r"|(?i:you(?:'re| are) (?:speaking|chatting|talking) (?:with|to)) [A-Z][\w'-]+"
        r"|[A-Z][\w'-]+ (?i:here from|here,? from|from the [\w ]{0,20}team here))",
        re.U,
    ),
    empathy=_rx(
        r"\b(?:I can (?:only |certainly |definitely |totally |really |completely |well )?(?:imagine|see) (?:how|why|that|what)"
        r"|that (?:must|would) (?:have )?(?:been|be) (?:really |so |very |incredibly |quite |truly |a )?\w+"
        r"|(?:I'?m|I am|we'?re|we are) (?:so |really |very |truly |genuinely )?sorry to (?:hear|read|learn)"
        r"|I (?:completely |totally |fully |really |absolutely |can )?understand (?:how|why|that|what|your)"
        r"|I know (?:how|what) (?:frustrating|annoying|stressful|upsetting|worrying|disappointing|inconvenient|hard|difficult)"
        r"|(?:that|this|it) sounds (?:really |so |very |incredibly |quite |truly )?(?:frustrating|stressful|annoying|upsetting|awful|difficult|hard|worrying|disappointing|inconvenient|maddening|exhausting|scary|horrible|terrible)"
        r"|I(?:'d| would) (?:be|feel) (?:just as |really |so )?(?:frustrated|upset|annoyed|worried|disappointed|the same)"
        r"|(?:it'?s|it is|that'?s|that is) (?:completely |totally |entirely |perfectly )?understandable"
        r"|what a (?:hassle|nightmare|pain|worry|shame)"
        r"|I hear you"
        r"|(?:that'?s|that is|this is) (?:really |so |not )?(?:the )?(?:frustrating|stressful|upsetting|disappointing|not the experience))"
    ),
    dismissive=_rx(r"\b(?:but|however|though|nevertheless|nonetheless|that said|still)\b"),
    sarcasm=_rx(
        r"(?:\boh,? (?:sure|wow|really|please|I'?m sure|dear)\b|\bpoor (?:you|thing)\b"
        r"|\bmust be nice\b|\bhow (?:tragic|awful for you|terrible for you)\b|\bwhat a tragedy\b|\bheaven forbid\b|\bgod forbid\b"
        r"|\bthe horror\b|\bfirst[- ]world\b|\b(?:so|terribly|very) (?:hard|difficult|tough) for you\b|\bend of the world\b|\bwow,? just wow\b"
        r"|\bcongratulations on\b|\byeah,? right\b|\bsure you (?:did|do)\b)"
    ),
    apology=_rx(
        r"(?:\b(?:I'?m|I am|we'?re|we are) (?:so |very |truly |really |deeply |sincerely |terribly |extremely )?sorry\b"
        r"(?! to (?:hear|read|learn))(?!,? (?:but|could|can|would|what|who|I didn'?t|I don'?t|if))(?! if\b)(?!\?)"
        r"|\b(?:my|our) (?:sincere |sincerest |deepest |humble |heartfelt )?apologies\b"
        r"|\b(?:I|we) (?:do |sincerely |truly |deeply )?apologi[sz]e\b"
        r"|\bplease accept (?:my|our) (?:sincere )?apolog"
        r"|\bsorry (?:for|about) (?:the|this|that|your|any|all|our|my|keeping|making|having|not)\b"
        r"|\bso sorry\b(?! to (?:hear|read|learn)))"
    ),
    let_down=_rx(
        r"\b(?:late|delayed|delay|delays|still (?:not|hasn'?t|haven'?t|waiting|no|nothing|broken)|never (?:arrived|received|came|got|showed)"
        r"|hasn'?t (?:arrived|come|been)|haven'?t (?:received|heard|got)|missing|broken|damaged|cracked|wrong|charged (?:me )?(?:twice|double|two times)"
        r"|double[- ]charged|overcharged|not working|doesn'?t work|does not work|stopped working|won'?t (?:work|turn on|load|start|open)"
        r"|can'?t (?:log ?in|access|sign in|get in)|locked out|cancell?ed (?:my|without)|lost|error|disappoint\w*|unacceptable|terrible"
        r"|awful|horrible|frustrat\w*|angry|furious|upset|annoyed|ridiculous|no one|nobody|waiting|waited|faulty|defective|complain\w*"
        r"|mistake|incorrect|not as described|useless|rude|leak\w*|smashed|torn|expired|declined|failed|crash\w*|ruined|fed up|third time|again and again"
        r"|nothing (?:at|has|arrived|came|here|in)|didn'?t (?:show|turn up|arrive|work|come|get)|never (?:showed|turned))\b"
    ),
    ownership=_rx(
        r"\b(?:(?:I|we)(?:'ll|’ll| will| shall|'m going to| am going to|'re going to| are going to|'ve|’ve| have| just| personally| already| can)"
        r"|let me|allow me to)(?:\s+(?:just|personally|already|now|also|immediately|quickly|right away|gone ahead and|go ahead and|be sure to|make sure to|happily|gladly|now|then|be|been able to))*"
        rf"\s+(?:{_EN_ACTIONS})\b"
    ),
    ownership_negated=_rx(r"\b(?:not|never|n't|unable|cannot)\b"),
    next_step=_rx(
        r"\b(?:within (?:the next )?(?:\d+|one|two|three|four|five|seven|ten|a few|a couple of)[ -](?:minutes?|hours?|days?|business days?|working days?|weeks?)"
        r"|in the next (?:\d+|few|couple of|two|three) \w+|(?:by|before) (?:the )?(?:end of (?:the )?(?:day|week|month)|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|noon|midday|\d)"
        r"|(?:go|goes|ship|ships|leave|leaves|be sent|be dispatched|dispatch) (?:out )?today|(?:later today|by today|end of today|tomorrow|this afternoon|this evening|next week|on monday|on tuesday|on wednesday|on thursday|on friday)"
        r"|you(?:'ll| will| should) (?:receive|get|see|hear|be (?:able|contacted|refunded|notified|emailed|credited)|have)"
        r"|(?:should|will) (?:arrive|be delivered|reach you|show up|appear|be back|be credited|be processed|be reflected|land)"
        r"|expect (?:it|the|your|a|an|to)|next step|tracking (?:number|link|code)"
        r"|(?:please|kindly|just) (?:reply|send|attach|try|click|go to|log ?in|restart|check|confirm|provide|share|fill|update|reset|forward|open|tap|follow|use|clear|reinstall|print|return|drop)"
        r"|once (?:we|I|you|it|the|your)\b[^.!?\n]{0,80}(?:will|'ll|can)"
        r"|I(?:'ll| will) (?:get back|follow up|update you|email you|call you|let you know|be in touch|write))"
    ),
    closing=_rx(
        r"\b(?:have a (?:great|good|nice|lovely|wonderful|fantastic|brilliant|pleasant|safe) (?:day|week|weekend|evening|afternoon|morning|one|time|holiday|trip)"
        r"|enjoy (?:the rest of )?your (?:day|week|weekend|evening|new|order|purchase|holiday|trip)"
        r"|thank(?:s| you)(?: so much| very much| again)? for (?:your patience|contacting|reaching out|getting in touch|being|choosing|bearing|your understanding|writing|the chat|your time|shopping|your order|letting us know|flagging|your business)"
        r"|let (?:me|us) know if (?:there'?s|there is|you have|you need|anything|I can|we can|you'?d like|that|this|you run)"
        r"|(?:is there )?anything else (?:I|we) can (?:help|do|assist)|(?:always )?(?:happy|glad) to help|don'?t hesitate to"
        r"|feel free to (?:reach out|contact|get in touch|write|reply|get back)|take care|all the best|best wishes"
        r"|(?:best|kind|warm|warmest) regards|many thanks|thanks again|cheers|sincerely|we'?re here (?:if|whenever)|here if you need)\b"
    ),
    rude=_rx(
        r"\b(?:calm down|as I (?:already |have |had )?(?:said|told you|mentioned|explained|stated)|like I (?:already )?(?:said|told you)"
        r"|for the (?:last|third|fourth|fifth|hundredth|umpteenth|\w+th) time|(?:read|check) (?:the|my) (?:previous |last )?(?:email|message|instructions|faq|manual|website)(?: properly| again| carefully)?(?= before| first|\.|!)"
        r"|if you (?:had|would have|'d) (?:read|bothered|paid attention|listened|looked)|did you (?:even|not) (?:read|look|try)|do you (?:even|not) (?:read|understand)"
        r"|(?:that'?s|that is|it'?s|it is) not my (?:problem|job|fault|department|concern)|(?:it'?s|it is|that'?s|that is) your (?:own )?(?:fault|problem)"
        r"|you should have (?:read|checked|known|looked)|I (?:really )?don'?t care|whatever[.!]|not rocket science|(?:it'?s|it is) (?:really )?not (?:that )?hard"
        r"|obviously you|clearly you (?:didn'?t|did not|don'?t|can'?t|haven'?t)|you people|dumb (?:question|mistake)|ridiculous (?:request|question|complaint)"
        r"|are you (?:serious|kidding)|good luck with that|deal with it|take it or leave it|stop (?:complaining|whining|wasting|moaning)|nice try"
        r"|I'?m sure you did|thanks (?:so much )?for (?:nothing|wasting)|what part of|how (?:many times|hard is it)|customers like you|shut up"
        r"|get a life|learn to read|not our problem|no idea why you|waste of (?:my|our) time|some of us have|I don'?t have all day|you'?re wrong|use your (?:brain|head)"
        r"|(?:oh|wow),? (?:what a|how) (?:surprise|shock)|another (?:genius|brilliant) idea|congratulations on (?:finally|managing))\b"
    ),
    profanity=frozenset(),  # english_profanity() is loaded lazily
    stopwords=EN_STOP,
    irony=_rx(r"\b(?:I'?m sure|surely|oh,? (?!no\b)|so+ sorry for your loss|must be so)\b"),
)

ES = Lexicon(
    code="es",
    greeting=_rx(
        r"^\W{0,3}(?:hola|buen(?:os|as) (?:días|tardes|noches)|buen día|estimad[oa]s?|querid[oa]s?|saludos)\b"
    ),
    introduction=_rx(
        r"(?:(?i:me llamo|mi nombre es) [A-ZÁÉÍÓÚÑ][\wáéíóúñ-]+|(?i:soy) [A-ZÁÉÍÓÚÑ][\wáéíóúñ-]+,? (?i:de|del|y|su|tu|agente)\b"
        r"|(?i:le|te) (?i:saluda|atiende|escribe) [A-ZÁÉÍÓÚÑ][\wáéíóúñ-]+|(?i:habla|está hablando con) [A-ZÁÉÍÓÚÑ][\wáéíóúñ-]+)",
        re.U,
    ),
    empathy=_rx(
        r"\b(?:entiendo (?:perfectamente |totalmente |completamente |muy bien |bien )?(?:lo |cómo |que |su |tu |la |el |perfectamente )"
        r"|comprendo (?:perfectamente |totalmente |completamente )?(?:lo |cómo |que |su |tu |la )"
        r"|me (?:puedo )?imagino (?:lo |cómo |que )|puedo imaginar|me hago cargo de"
        r"|(?:lamento|lamentamos|siento|sentimos) (?:mucho |muchísimo )?(?:escuchar|oír|saber|leer|que haya tenido|que hayas tenido)"
        r"|(?:debe|debió|tiene que|tuvo que) (?:de )?(?:ser|haber sido|resultar) (?:muy |realmente |bastante |súper |tan )?\w+"
        r"|qué (?:frustrante|molesto|fastidio|pesadilla|situación tan|disgusto|rabia|mala suerte)|es (?:totalmente |completamente )?comprensible)"
    ),
    dismissive=_rx(r"\b(?:pero|sin embargo|no obstante|aun así|aunque)\b"),
    sarcasm=_rx(
        r"(?:\bclaro,? claro\b|\bsí,? claro\b|\bpobrecit\w+|\bqué tragedia\b|\bqué drama\b|\bmenudo drama\b|\bmenuda tragedia\b|\bseguro que sí\b|\bno me diga\b|\bvaya,? qué sorpresa\b|\bel fin del mundo\b|\btan difícil para usted\b)"
    ),
    apology=_rx(
        r"(?:\blo (?:siento|sentimos)(?: mucho| muchísimo| de verdad)?\b(?!,? pero)(?! escuchar)"
        r"|\b(?:le|te|les|os) (?:pido|pedimos|ofrezco|ofrecemos) (?:mis |nuestras |sinceras |una )?(?:sinceras )?disculpas"
        r"|\b(?:mil|nuestras|mis|sinceras) disculpas\b|\bdiscúlpe(?:nos|me)?\b|\bdisculpe?n? (?:las molestias|el retraso|la demora|por|el error|las demoras)"
        r"|\bperdone?n? (?:las molestias|el retraso|la demora|por|el error)|\bperdón por"
        r"|\b(?:lamentamos|lamento) (?:mucho |profundamente )?(?:el|la|los|las|que|este|esta|lo ocurrido)\b(?! escuchar)"
        r"|\b(?:sentimos|siento) (?:mucho )?(?:el|la|las|los) (?:retraso|molestias?|inconvenientes?|error|demora|problemas?))"
    ),
    let_down=_rx(
        r"(?:retras|\btarde\b|todavía no|aún no|sigo (?:sin|esperando)|nunca (?:llegó|recibí|ha llegado)|no (?:ha llegado|me ha llegado|llegó|funciona|recibí|he recibido|puedo|me deja|sirve)"
        r"|\brot[oa]s?\b|dañad|defectuos|equivocad|incorrect|cobrad[oa] dos veces|dos cargos|doble cargo|cobro (?:duplicado|doble)|perdid|\berror\b|decepcionad|inaceptable"
        r"|terrible|horrible|fatal|enfadad|molest[oa]|frustr|\bqueja|reclamación|esperando|\bfalta\b|mal estado|estropead|vergüenza|harto|harta|pésim)"
    ),
    ownership=_rx(
        r"\b(?:(?:le |te |lo |la |ya )?(?:he|hemos) (?:ya )?(?:reembolsado|enviado|procesado|tramitado|revisado|cancelado|solicitado|escalado|gestionado|actualizado|corregido|cambiado|añadido|aplicado|reenviado|emitido|abierto|creado|comprobado|contactado|hablado|pedido|programado|reservado|activado|desbloqueado|abonado|devuelto|cursado|anotado|reactivado)"
        r"|(?:voy|vamos) a (?:revisar|enviar|reembolsar|procesar|tramitar|escalar|gestionar|cancelar|llamar|comprobar|hablar|contactar|encargarme|cambiar|corregir|activar|investigar|solicitar|reenviar|hacer|abonar|devolver|reservar|asegurarme|ocuparme|mirar)"
        r"|(?:revisaré|enviaré|reembolsaré|procesaré|tramitaré|escalaré|gestionaré|cancelaré|llamaré|comprobaré|contactaré|me encargaré|me aseguraré|investigaré|solicitaré|reenviaré|actualizaré|activaré|cambiaré|corregiré|haré|abonaré|devolveré|me ocuparé|me encargo)"
        r"|(?:ahora mismo|ya) (?:le |te )?(?:envío|reviso|tramito|proceso|gestiono|reembolso))\b"
    ),
    ownership_negated=_rx(r"\b(?:no|nunca|jamás)\b"),
    next_step=_rx(
        r"(?:\ben (?:un plazo de |las próximas |los próximos )?(?:\d+|uno|dos|tres|cuatro|cinco|siete|diez|24|48|72) (?:horas|días|días hábiles|días laborables|semanas)"
        r"|\b(?:mañana|hoy mismo|esta tarde|el lunes|el martes|el miércoles|el jueves|el viernes|la próxima semana)\b|\bantes del? (?:lunes|martes|miércoles|jueves|viernes|fin de)"
        r"|\brecibirá\b|\brecibirás\b|\b(?:le|te) llegará|\bllegará\b|\ble (?:llamaremos|escribiremos|enviaremos|confirmaremos|avisaremos|informaremos)|número de seguimiento"
        r"|próximo paso|siguiente paso|\bpor favor,? (?:envíe|envíenos|responda|adjunte|pruebe|haga clic|revise|compruebe|confirme|indíquenos|reinicie|mándenos|facilítenos|envía|responde|prueba|revisa)"
        r"|le mantendré informad|te mantendré informad|\buna vez (?:que )?[^.!?\n]{0,80}(?:podrá|recibirá|verá))"
    ),
    closing=_rx(
        r"(?:que tengas? (?:un )?(?:buen|feliz|excelente|bonito|gran|estupendo|buena) (?:día|fin de semana|tarde|semana|noche)|\bbuen (?:día|fin de semana)\b|\bfeliz día\b"
        r"|gracias por (?:contactar|contactarnos|escribirnos|su paciencia|tu paciencia|su comprensión|tu comprensión|confiar|ponerse en contacto|elegirnos|avisarnos)"
        r"|no dudes? en|(?:si|por si) (?:necesita|necesitas|tiene|tienes) (?:algo más|cualquier|alguna|más)|(?:algo|alguna otra cosa) más en (?:lo|que) (?:pueda|podamos)"
        r"|\bun saludo\b|saludos cordiales|\batentamente\b|\bcordialmente\b|quedo a (?:su|tu) disposición|estamos a (?:su|tu) disposición|un cordial saludo|un abrazo)"
    ),
    rude=_rx(
        r"(?:\bcálmese\b|\bcálmate\b|\btranquilícese\b|como ya (?:le|te) (?:dije|expliqué|he dicho|he explicado)|como (?:le|te) dije|lea (?:bien )?(?:el|los|las|mi) (?:correo|mensaje|instrucciones)"
        r"|no es (?:mi|nuestro) problema|es (?:su|tu) culpa|debería haber (?:leído|mirado)|me da igual|no me importa|qué pesad|(?:ustedes|vosotros) los clientes|por (?:enésima|última|tercera) vez"
        r"|no es tan difícil|¿es que no (?:sabe|entiende|lee)|deje de quejarse|\bestúpid|\bidiota|\btont[oa]s?\b|\bridícul|no tengo todo el día|pierde el tiempo|haberlo pensado antes)"
    ),
    profanity=frozenset(
        [
            "mierda",
            "joder",
            "coño",
            "puta",
            "puto",
            "putas",
            "gilipollas",
            "cabrón",
            "cabrona",
            "carajo",
            "pendejo",
            "pendeja",
            "hostia",
            "capullo",
            "imbécil",
            "jodido",
            "jodida",
            "chingar",
            "chingada",
            "culero",
            "mamón",
            "cojones",
        ]
    ),
    stopwords=ES_STOP,
    irony=_rx(r"\b(?:seguro que|claro que|ay,)"),
    positive=frozenset(
        [
            "gracias",
            "genial",
            "perfecto",
            "perfecta",
            "excelente",
            "estupendo",
            "estupenda",
            "fantástico",
            "fantástica",
            "maravilloso",
            "increíble",
            "encantado",
            "encantada",
            "contento",
            "contenta",
            "feliz",
            "resuelto",
            "solucionado",
            "amable",
            "rápido",
            "rápida",
            "bien",
            "bueno",
            "buena",
            "agradezco",
            "agradecido",
            "agradecida",
            "encanta",
        ]
    ),
    negative=frozenset(
        [
            "problema",
            "retraso",
            "tarde",
            "roto",
            "rota",
            "dañado",
            "dañada",
            "defectuoso",
            "error",
            "mal",
            "malo",
            "mala",
            "terrible",
            "horrible",
            "fatal",
            "pésimo",
            "pésima",
            "inaceptable",
            "decepcionado",
            "decepcionada",
            "enfadado",
            "enfadada",
            "molesto",
            "molesta",
            "frustrado",
            "frustrada",
            "harto",
            "harta",
            "vergüenza",
            "queja",
            "nunca",
            "peor",
            "lento",
            "equivocado",
            "incorrecto",
            "perdido",
            "mierda",
        ]
    ),
    negators=frozenset(["no", "nunca", "ni", "sin", "tampoco"]),
)

DE = Lexicon(
    code="de",
    greeting=_rx(
        r"^\W{0,3}(?:hallo|guten (?:tag|morgen|abend)|liebe[rs]?|sehr geehrte[rs]?|moin|servus|grüß gott|grüezi|hi)\b"
    ),
    introduction=_rx(
        r"(?:(?i:mein name ist) [A-ZÄÖÜ][\wäöüß-]+|(?i:ich bin) [A-ZÄÖÜ][\wäöüß-]+,? (?i:vom|von|aus|und|ihr|ihre)\b"
        r"|(?i:hier (?:ist|schreibt|spricht)) [A-ZÄÖÜ][\wäöüß-]+|[A-ZÄÖÜ][\wäöüß-]+ (?i:hier vom|hier von))",
        re.U,
    ),
    empathy=_rx(
        r"(?:\bich (?:kann|könnte) (?:mir )?(?:sehr )?(?:gut |gut )?(?:vorstellen|nachvollziehen|verstehen),? (?:wie|dass|warum|was)"
        r"|\bdas (?:muss|musste|war) (?:wirklich |sehr |echt |ziemlich |furchtbar |natürlich )?\w+ (?:sein|gewesen sein|für sie)"
        r"|\bich verstehe (?:vollkommen|gut|absolut|sehr gut|natürlich)?,? (?:dass|wie|warum|ihren|ihre|ihr)"
        r"|\bes tut (?:mir|uns) (?:sehr |wirklich |so )?leid,? (?:das |dies |davon )?zu (?:hören|lesen|erfahren)"
        r"|\b(?:wie|was für ein) ärgerlich|\bdas ist (?:wirklich |sehr |natürlich |absolut |total )?(?:ärgerlich|frustrierend|unangenehm|nervig|verständlich)"
        r"|\bverständlicherweise|\bich kann (?:ihren|deinen|ihre|deine) (?:ärger|frust|unmut|enttäuschung|sorge) (?:gut |sehr gut |absolut )?(?:verstehen|nachvollziehen))"
    ),
    dismissive=_rx(r"\b(?:aber|jedoch|allerdings|trotzdem|dennoch)\b"),
    sarcasm=_rx(
        r"(?:\bna klar\b|\bja klar\b|\bsicher doch\b|\bach je\b|\boh je\b|schrecklich für sie|was für eine tragödie|\barmer? (?:sie|kerl)\b|furchtbar für sie|\bna toll\b|\bweltuntergang\b|so schwer für sie)"
    ),
    apology=_rx(
        r"(?:\bes tut (?:mir|uns) (?:sehr |wirklich |aufrichtig |furchtbar |so )?leid\b(?!,? (?:das |dies |davon )?zu (?:hören|lesen|erfahren))(?!,? aber)(?!,? dass sie das so)"
        r"|\b(?:ich|wir) entschuldigen? (?:mich|uns)|\bentschuldigen sie (?:die|den|das|bitte)|\bentschuldigung für|\b(?:wir|ich) bitten? (?:vielmals |nochmals )?um entschuldigung"
        r"|\bverzeihen sie|\bsorry für|\bbitte entschuldigen sie)"
    ),
    let_down=_rx(
        r"(?:verspät|verzöger|immer noch (?:nicht|kein|warte)|noch (?:nicht|immer nicht|keine)|nie angekommen|nicht angekommen|ist nicht (?:angekommen|da)|kaputt|beschädigt|defekt|falsch"
        r"|doppelt (?:abgebucht|berechnet)|zweimal (?:abgebucht|berechnet)|funktioniert nicht|geht nicht|\bfehlt|verloren|\bfehler|enttäuscht|inakzeptabel|unmöglich|ärger|wütend|frustriert"
        r"|beschwerde|reklamation|warte seit|warten seit|keine antwort|schlecht|mangelhaft|zerbrochen|unzufrieden)"
    ),
    ownership=_rx(
        r"(?:\b(?:ich|wir) (?:werde|werden|habe|haben|hab)\b[^.!?\n]{0,80}?\b(?:geprüft|prüfen|gesendet|senden|geschickt|schicken|erstattet|erstatten|veranlasst|veranlassen|storniert|stornieren"
        r"|kümmern|gekümmert|melden|gemeldet|anrufen|angerufen|weitergeleitet|weiterleiten|bearbeitet|bearbeiten|ersetzt|ersetzen|gutgeschrieben|gutschreiben|aktualisiert|aktualisieren"
        r"|geändert|ändern|korrigiert|korrigieren|freigeschaltet|freischalten|geklärt|klären|eskaliert|eskalieren|beauftragt|beauftragen|gebucht|buchen|zurückerstattet|zurückerstatten"
        r"|verschickt|verschicken|nachgefragt|nachfragen|angestoßen|angelegt|eröffnet|bestellt|bestellen|überwiesen|überweisen|erledigt|erledigen|nachsehen|nachgesehen|kontaktiert|kontaktieren"
        r"|losgeschickt|ausgelöst|auslösen|reserviert|reservieren|entsperrt|entsperren|zugeschickt|zuschicken)\b"
        r"|\bich kümmere mich|\bich sorge (?:persönlich )?dafür|\bich (?:schicke|sende|prüfe|veranlasse|storniere|erstatte|leite|rufe|melde mich|kläre|buche|erledige)\b|\blassen sie mich)"
    ),
    ownership_negated=_rx(r"\b(?:nicht|nie|keine?n?)\b"),
    next_step=_rx(
        r"(?:\binnerhalb (?:von |der nächsten )?(?:\d+|ein|einem|einer|zwei|drei|vier|fünf|sieben|zehn|24|48|72) (?:stunden?|tagen?|werktagen?|wochen?|arbeitstagen?)"
        r"|\bbis (?:morgen|montag|dienstag|mittwoch|donnerstag|freitag|ende der woche|spätestens|zum)\b|\b(?:morgen|heute noch|übermorgen|nächste woche)\b"
        r"|\bsie erhalten\b|\berhalten sie\b|\bsie bekommen\b|\bbekommen sie\b|\bsollte (?:bei ihnen |in den nächsten [^.!?\n]{0,20})?(?:ankommen|eintreffen|da sein)"
        r"|sendungsnummer|trackingnummer|tracking-link|sendungsverfolgung|nächste[rn]? schritt|\bbitte (?:senden|schicken|antworten|prüfen|versuchen|klicken|bestätigen|starten|loggen|melden) sie"
        r"|\bin den nächsten (?:\d+|zwei|drei|paar|wenigen) (?:stunden|tagen|werktagen)|\bich melde mich\b|\bwir melden uns\b)"
    ),
    closing=_rx(
        r"(?:einen (?:schönen|guten|angenehmen|tollen) (?:tag|abend|wochenende|start|sonntag)|schönes wochenende|schönen tag noch"
        r"|(?:vielen )?dank für (?:ihre|deine|ihr|dein) (?:geduld|nachricht|anfrage|verständnis|treue|zeit|vertrauen)"
        r"|(?:melden sie sich|wenden sie sich|schreiben sie uns) (?:gerne|jederzeit)|bei (?:weiteren )?fragen|stehe(?:n)? (?:ich |wir )?(?:ihnen )?(?:gerne |jederzeit )*zur verfügung"
        r"|(?:mit )?freundlichen grüßen|viele grüße|beste grüße|liebe grüße|herzliche grüße|alles gute|gern geschehen|kann ich (?:ihnen )?sonst noch)"
    ),
    rude=_rx(
        r"(?:beruhigen sie sich|wie (?:ich )?(?:bereits|schon) (?:gesagt|erwähnt|erklärt|geschrieben)|lesen sie (?:doch )?(?:bitte )?(?:erst|richtig|genau|die (?:anleitung|mail|e-mail))"
        r"|nicht mein problem|nicht unser problem|(?:ihre|ihre eigene|selbst) schuld|hätten sie (?:halt|eben|doch)|ist mir egal|das ist (?:doch )?nicht so schwer|zum (?:dritten|x-ten|letzten) mal"
        r"|kapieren sie|verstehen sie (?:das )?(?:denn )?nicht|\bdumm|\bblöd|lächerlich|hören sie auf (?:zu )?(?:jammern|meckern)|keine zeit für so was)"
    ),
    profanity=frozenset(
        [
            "scheiße",
            "scheisse",
            "scheiß",
            "scheiss",
            "arschloch",
            "arsch",
            "verdammt",
            "verdammte",
            "fick",
            "ficken",
            "wichser",
            "vollidiot",
            "idiot",
            "depp",
            "trottel",
            "kacke",
            "hure",
            "miststück",
            "blödmann",
            "fresse",
        ]
    ),
    stopwords=DE_STOP,
    irony=_rx(r"\b(?:sicher|bestimmt|ach)\b"),
    positive=frozenset(
        [
            "danke",
            "super",
            "toll",
            "perfekt",
            "prima",
            "klasse",
            "wunderbar",
            "großartig",
            "hervorragend",
            "zufrieden",
            "freundlich",
            "schnell",
            "gelöst",
            "hilfreich",
            "glücklich",
            "freue",
            "dankbar",
            "gut",
            "schön",
            "vielen",
        ]
    ),
    negative=frozenset(
        [
            "problem",
            "verspätet",
            "kaputt",
            "beschädigt",
            "defekt",
            "fehler",
            "falsch",
            "schlecht",
            "schlimm",
            "furchtbar",
            "schrecklich",
            "inakzeptabel",
            "enttäuscht",
            "wütend",
            "ärgerlich",
            "verärgert",
            "frustriert",
            "beschwerde",
            "nie",
            "niemand",
            "leider",
            "unmöglich",
            "katastrophe",
            "mist",
            "scheiße",
            "langsam",
            "verloren",
            "unzufrieden",
        ]
    ),
    negators=frozenset(["nicht", "kein", "keine", "keinen", "nie", "ohne"]),
)

LEXICONS = {"en": EN, "es": ES, "de": DE}
