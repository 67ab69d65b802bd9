# ruff: noqa: E501  (phrase lists and patterns read best one per line, unwrapped)
"""English fragments. Tags: greeting intro empathy apology own next closing rude."""

CUSTOMER_NAMES = [
    "Maria",
    "James",
    "Priya",
    "Tom",
    "Chen",
    "Olivia",
    "Ahmed",
    "Sofia",
    "Liam",
    "Grace",
]
AGENT_NAMES = ["Aisha", "Ben", "Carla", "Dev", "Elena", "Femi", "Hugo", "Ines"]

# (first customer message, let down?, mood -1/0/1, the situation in the agent's words)
ISSUES = [
    (
        "My order #4471 was supposed to arrive on Monday and it still hasn't come. This is really frustrating, I needed it for my daughter's birthday.",
        True,
        -1,
        "wait for a birthday present that hasn't turned up",
    ),
    (
        "Hi, the blender I received is cracked along the jug. Pretty disappointed to be honest.",
        True,
        -1,
        "unpack a new blender and find the jug cracked",
    ),
    (
        "You charged my card twice for the same subscription this month. Please fix this.",
        True,
        -1,
        "see two charges for one subscription",
    ),
    (
        "This is the third time I'm writing. Nobody has answered me and my account is still locked. Absolutely ridiculous.",
        True,
        -1,
        "write three times and still be locked out of your account",
    ),
    (
        "What the fuck is going on with my delivery?? Ten days and nothing. Worst service ever.",
        True,
        -1,
        "wait ten days for a delivery with no news",
    ),
    (
        "Your app keeps crashing every time I try to pay. I've lost two orders because of this shit.",
        True,
        -1,
        "lose two orders to an app that crashes at checkout",
    ),
    (
        "I received the wrong size shoes, I ordered a 39 and got a 42.",
        True,
        0,
        "receive a pair of shoes in the wrong size",
    ),
    (
        "Hello, my package shows delivered but there is nothing at my door.",
        True,
        0,
        "see a parcel marked delivered that never reached your door",
    ),
    (
        "Hi there, the discount code from your newsletter doesn't work at checkout.",
        True,
        0,
        "have a discount code refused at checkout",
    ),
    (
        "The technician didn't show up yesterday. I took the day off work for this. Not happy.",
        True,
        -1,
        "take a day off work for a technician who never came",
    ),
    (
        "I cancelled my plan last month but you still billed me. I want my money back.",
        True,
        -1,
        "be billed after cancelling your plan",
    ),
    (
        "My replacement laptop charger stopped working after two days.",
        True,
        0,
        "have a replacement charger fail after two days",
    ),
    ("Hi, I'd like to change the delivery address on my order #5520 please.", False, 0, ""),
    ("Can you tell me if you ship to Norway? Thanks!", False, 1, ""),
    ("Hello! I love the jacket I bought. Do you have the same one in green?", False, 1, ""),
    ("How do I add a second user to our team plan?", False, 0, ""),
    ("Quick question: what's the warranty on the Aero kettle?", False, 0, ""),
    (
        "Hi, could you send me an invoice for my last order? I need it for my accountant.",
        False,
        0,
        "",
    ),
    ("Is it possible to upgrade my plan in the middle of the month?", False, 0, ""),
    (
        "Hey! Just wanted to say the new update is great. One question though, where did the export button go?",
        False,
        1,
        "",
    ),
]

CUSTOMER_LAST = [
    ("Thank you so much, that's brilliant!", 1),
    ("Great, thanks for sorting this out so quickly.", 1),
    ("Perfect, really appreciate your help :)", 1),
    ("Ok.", 0),
    ("Got it, I'll wait then.", 0),
    ("Fine, I'll check tomorrow.", 0),
    ("This is useless. I'm cancelling my account.", -1),
    ("Honestly this is terrible service. I'm really angry now.", -1),
    ("So you can't do anything? Unbelievable. Worst company ever.", -1),
]

GREETINGS = [
    ("Hi {c},", "greeting"),
    ("Hello {c},", "greeting"),
    ("Dear {c},", "greeting"),
    ("Good morning {c},", "greeting"),
    ("Hey {c}!", "greeting"),
    ("Hi there,", "greeting"),
    ("{c},", ""),
    ("Regarding your message:", ""),
    ("Order #4471:", ""),
]

INTROS = [
    ("My name is {a} and I'm looking after your case today.", "intro"),
    ("This is {a} from the support team.", "intro"),
    ("I'm {a} from Servewell customer care.", "intro"),
    ("You're chatting with {a}.", "intro"),
    ("{a} here from the orders team.", "intro"),
    ("Thanks for getting in touch with us.", ""),
    ("Thank you for your message.", ""),
    ("I've read through your message.", ""),
]

EMPATHY = [
    ("I can imagine how frustrating it must be to {s}.", "empathy"),
    ("That must have been really stressful, having to {s}.", "empathy"),
    ("I'm so sorry to hear you had to {s}, that's not the experience we want for you.", "empathy"),
    ("I completely understand how annoying it is to {s}.", "empathy"),
    ("I know how disappointing it is to {s}, especially when you were counting on us.", "empathy"),
    ("It's completely understandable that you're upset after having to {s}.", "empathy"),
    ("I understand.", ""),
    ("I understand your frustration, but our policy doesn't allow exceptions.", ""),
    ("I understand your concern. However, this is how the system works.", ""),
    ("Sorry to hear that.", ""),
    ("That must be frustrating.", ""),
    ("Oh, I'm sure that must be very hard for you.", "rude"),
    ("Oh wow, poor you, having to {s}.", "rude"),
    ("I hear you.", ""),
]

APOLOGIES = [
    ("I'm really sorry about this.", "apology"),
    ("Please accept our apologies for the trouble this has caused.", "apology"),
    ("I apologise for the inconvenience.", "apology"),
    ("I'm so sorry for the delay.", "apology"),
    ("My apologies for the mix-up on our side.", "apology"),
    ("We're sorry that we let you down here.", "apology"),
    ("Sorry, could you confirm the email address on the account?", ""),
    ("I'm sorry, but there's nothing we can change on our side.", ""),
    ("Sorry if you feel that way.", ""),
    ("Thanks for bearing with us.", ""),
]

SORRY_NOT_APOLOGY = [
    ("Sorry for the wait, here's what I found.", ""),
    ("Sorry, could you confirm the email address on the account?", ""),
    ("Sorry for the slow reply, it's been a busy morning.", ""),
    ("Great question!", ""),
    ("Happy to explain.", ""),
]

BODIES = [
    ("I've refunded the full amount to your original payment method.", "own"),
    ("I've gone ahead and sent a replacement by express delivery.", "own"),
    ("I'll check with the warehouse and make sure it goes out today.", "own"),
    ("Let me look into this with our billing team.", "own"),
    ("I've updated the address on your order, so nothing else is needed from you.", "own"),
    ("I've escalated this to our technical team and I'll personally follow the case.", "own"),
    ("We've reversed the second charge.", "own"),
    ("I have reset your account, so you can log in again with the link I've emailed you.", "own"),
    ("You'll need to contact the courier directly about this, it's not something we handle.", ""),
    ("Unfortunately the order is with the carrier now and out of our hands.", ""),
    ("Our terms say returns must be started within 14 days.", ""),
    ("There is a guide for this in our help centre.", ""),
    ("The warranty on the Aero kettle is two years from the date of purchase.", ""),
    ("Yes, we ship to Norway and most of Europe.", ""),
    ("Adding a user is done from Settings, then Team, then Invite.", ""),
]

NEXT_STEPS = [
    ("You should see the money back within 3-5 business days.", "next"),
    ("The new parcel will arrive by Thursday and you'll get a tracking number by email.", "next"),
    ("I'll email you an update tomorrow morning.", "own next"),
    ("Please reply with a photo of the damage so I can finish the claim.", "next"),
    ("Once the carrier confirms, you will receive a confirmation email.", "next"),
    ("Please try logging in again and clear your browser cache first.", "next"),
    ("The team usually gets back to people at some point.", ""),
    ("Hopefully it sorts itself out.", ""),
]

RUDE = [
    ("As I already told you, the refund takes time.", "rude"),
    ("Please calm down, shouting won't make it faster.", "rude"),
    ("Did you even read my last email?", "rude"),
    ("It's not my problem that the courier lost it.", "rude"),
    ("Honestly, it's not rocket science to enter a postcode.", "rude"),
    ("That's a stupid question, the answer is on the website.", "rude"),
    ("This damn system is a pain, not my fault, whatever.", "rude"),
    ("Oh wow, what a surprise, another lost parcel.", "rude"),
    ("You should have read the instructions before ordering.", "rude"),
    ("Some of us have other customers to deal with, you know.", "rude"),
]

CLOSINGS = [
    ("Have a lovely weekend!", "closing"),
    ("Let me know if there's anything else I can help with.", "closing"),
    ("Thanks for your patience while we sorted this out.", "closing"),
    ("Don't hesitate to reply if anything else comes up.", "closing"),
    ("Take care and have a great day.", "closing"),
    ("Is there anything else I can help you with today?", "closing"),
    ("That's all.", ""),
    ("Regards.", ""),
    ("Case closed.", ""),
]

SIGNATURES = [
    ("Best regards,\n{a}\nServewell Support", "closing"),
    ("Kind regards,\n{a}", "closing"),
    (
        "--\n{a} | Servewell Customer Care\nWe apologise for slower replies during the holidays. Have a great day!",
        "",
    ),
    ("{a}\nServewell Support\nSent from my iPhone", ""),
    (
        "--\n{a}\nI'll always go the extra mile! My name is {a} and I'm sorry for any inconvenience.",
        "",
    ),
]

QUOTED = [
    (
        "\n\nOn Mon, 2 Mar 2026 at 09:00, {c} <customer@example.com> wrote:\n{q}\n> Hi {c}, my name is Ben from Servewell. I'm so sorry for the delay, I'll refund you today. Have a great day!",
        "",
    ),
    (
        "\n\n-----Original Message-----\nFrom: {c}\nSent: Monday, 2 March 2026 09:00\nSubject: Help\n\nHi {a}, I'm sorry but you are a fucking idiot. I'll check tomorrow. Thanks for your patience.",
        "",
    ),
    (
        "\n\nFrom: Servewell Support <help@servewell.example>\nSent: Friday, 27 February 2026 16:20\nTo: {c}\n\nHello {c}, this is Ben from Servewell. I apologise for the trouble; I've refunded you and you'll see it within 3 days. Have a lovely weekend!",
        "",
    ),
    ("\n\n{q}", ""),
]

FOLLOW_UPS = [
    ("You're welcome, {c}.", ""),
    ("Glad that helped.", ""),
    ("I've added a note to your account so the team knows.", "own"),
    ("I'll keep an eye on it and update you by Friday.", "own next"),
    ("Nothing more I can do.", ""),
    ("Understood.", ""),
    ("I've sent a £10 voucher to your email as well.", "own"),
]
