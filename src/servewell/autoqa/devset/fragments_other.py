# ruff: noqa: E501  (phrase lists and patterns read best one per line, unwrapped)
"""Conversations in languages without lexicons: to be abstained from, never guessed."""

OTHER = [
    (
        "fr",
        "Bonjour, ma commande n'est toujours pas arrivée, je suis très déçue.",
        "Bonjour Claire, je suis désolée pour ce retard. Je vais vérifier avec l'entrepôt et je vous réponds demain. Bonne journée !",
    ),
    (
        "fr",
        "Pourquoi ai-je été débité deux fois pour le même abonnement ?",
        "Bonjour, je m'appelle Luc. Je vous ai remboursé le second prélèvement. Cordialement.",
    ),
    (
        "it",
        "Buongiorno, il pacco è arrivato danneggiato e la macchina non funziona.",
        "Buongiorno Giulia, mi dispiace molto. Le ho spedito un prodotto nuovo che arriverà entro tre giorni. Buona giornata!",
    ),
    (
        "it",
        "Non riesco ad accedere al mio account da ieri sera.",
        "Ciao, sono Marco del servizio clienti. Ho reimpostato la password, prova di nuovo per favore.",
    ),
    (
        "pt",
        "Olá, o meu pedido ainda não chegou e já passou uma semana.",
        "Olá Ana, peço desculpa pelo atraso. Vou verificar com a transportadora e respondo amanhã. Obrigado!",
    ),
    (
        "pt",
        "Fui cobrado duas vezes pela mesma encomenda.",
        "Bom dia, o meu nome é Rui. Já devolvi o valor cobrado a mais. Tenha um bom dia.",
    ),
    (
        "nl",
        "Hallo, mijn bestelling is nog steeds niet aangekomen. Wat is er aan de hand?",
        "Hoi Sanne, wat vervelend! Ik heb een nieuw pakket verstuurd, het komt morgen aan. Fijne dag!",
    ),
    (
        "nl",
        "Ik ben twee keer gefactureerd voor hetzelfde abonnement.",
        "Beste Pieter, excuses voor de fout. Ik heb de dubbele betaling teruggestort. Met vriendelijke groet.",
    ),
    (
        "pl",
        "Dzień dobry, moje zamówienie jeszcze nie dotarło.",
        "Dzień dobry, przepraszam za opóźnienie. Sprawdzę to i odpowiem jutro. Miłego dnia!",
    ),
    (
        "sv",
        "Hej, min beställning har inte kommit fram än.",
        "Hej Erik, jag beklagar förseningen. Jag har skickat ett nytt paket som kommer på torsdag. Ha en bra dag!",
    ),
    (
        "tr",
        "Merhaba, siparişim hâlâ gelmedi ve çok sinirliyim.",
        "Merhaba Ayşe, gecikme için çok özür dilerim. Yeni bir paket gönderdim, yarın ulaşacak. İyi günler!",
    ),
    (
        "ja",
        "注文した商品がまだ届きません。どうなっていますか？",
        "お問い合わせありがとうございます。大変申し訳ございません。明日までに発送いたします。",
    ),
]
