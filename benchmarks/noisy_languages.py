"""The words of the noisy pages of ``benchmarks/noisy_pages.py``, in five languages.

Per language: its locale and country for sources.yaml, its time zone, a ministry's
site name, menu and footer, titles, eight paragraphs about a human rights dialogue
(written for this benchmark), the sentences a real edit changes, the article that
replaces a page wholesale, and how the site writes its counters, relative times,
clock, token labels, document links, cookie banner and maintenance notice.
"""

LANGUAGES = {
    "en": {
        "locale": "en-GB", "country": "United Kingdom", "zone": "Europe/London",
        "site": "Foreign, Commonwealth and Development Office",
        "menu": ("Home", "News", "Countries", "Publications", "Contact"),
        "footer": "Crown copyright. King Charles Street, London SW1A 2AH.",
        "titles": ("UK-China human rights dialogue", "Human rights talks with China",
                   "Dialogue on human rights: round report"),
        "paragraphs": (
            "The United Kingdom raised its concerns about the detention of human rights "
            "defenders and asked for access to those held without charge.",
            "Officials from both sides discussed the situation in Xinjiang and Tibet, the "
            "treatment of religious minorities and restrictions on the press.",
            "The delegation handed over a list of individual cases and requested information "
            "on the health of several prisoners of conscience.",
            "Both governments agreed that the next session would include experts from "
            "academia and a meeting with registered non-governmental groups.",
            "The Minister of State said afterwards that frank exchanges were the purpose of "
            "the dialogue and that progress had been uneven.",
            "A written summary was laid before Parliament and shared with the organisations "
            "that had contributed to the preparations.",
            "Questions about the death penalty, forced labour in supply chains and the "
            "independence of lawyers were put on the agenda for the first time.",
            "Civil society representatives were invited to a briefing at the embassy, where "
            "they could put questions to the head of delegation.",
        ),
        "rounds": "Since the dialogue began, {n} rounds have been held, alternating between "
                  "the two capitals.",
        "reword": ("The talks were described by both sides as constructive.",
                   "The talks were described by the British side as disappointing."),
        "added": "On 4 December the ministry published the full list of cases raised, with "
                 "the replies received so far.",
        "replacement": ("Page archived", (
            "This page is no longer updated and is kept for reference only.",
            "Current information about our relations with China is published in the country "
            "profile, which replaces the former dialogue pages.",
            "For questions about this archive, write to the correspondence unit.")),
        "views": lambda n: f"This page has been viewed {n:,} times",
        "relative": ("Updated {n} {u} ago", {"s": ("second", "seconds"),
                                             "m": ("minute", "minutes"),
                                             "h": ("hour", "hours")}),
        "activity": "Latest comment {n} minutes ago",
        "local_time": lambda t: f"Rendered at {t:%H:%M} on {t:%d/%m/%Y}",
        "generated": "Generated",
        "reference": "Reference", "code": "Verification code", "session": "Session",
        "report": "Full report of the round (PDF)", "annex": "List of cases raised (PDF)",
        "consent": ("We use cookies to make this site work and to understand how you use it.",
                    "Accept all", "Reject all", "Settings"),
        "maintenance": ("We'll be back shortly",
                        "Our website is undergoing planned maintenance. Please try again later."),
    },
    "de": {
        "locale": "de-DE", "country": "Germany", "zone": "Europe/Berlin",
        "site": "Auswärtiges Amt",
        "menu": ("Startseite", "Aktuelles", "Länder", "Publikationen", "Kontakt"),
        "footer": "Auswärtiges Amt, Werderscher Markt 1, 10117 Berlin.",
        "titles": ("Deutsch-chinesischer Menschenrechtsdialog", "Menschenrechtsgespräche mit China",
                   "Bericht zur Dialogrunde"),
        "paragraphs": (
            "Die Bundesregierung hat in der Gesprächsrunde ihre Sorge über die Inhaftierung von "
            "Menschenrechtsverteidigerinnen und -verteidigern zum Ausdruck gebracht.",
            "Beide Seiten erörterten die Lage in Xinjiang und Tibet, den Umgang mit religiösen "
            "Minderheiten sowie Einschränkungen der Pressefreiheit.",
            "Die deutsche Delegation übergab eine Liste mit Einzelfällen und bat um Auskunft über "
            "den Gesundheitszustand mehrerer Gefangener.",
            "Man vereinbarte, zur nächsten Runde auch Fachleute aus der Wissenschaft und Vertreter "
            "zivilgesellschaftlicher Organisationen einzuladen.",
            "Der Menschenrechtsbeauftragte erklärte im Anschluss, offene Worte seien der Zweck des "
            "Dialogs, die Fortschritte blieben jedoch begrenzt.",
            "Eine schriftliche Zusammenfassung wurde dem Auswärtigen Ausschuss des Bundestages "
            "übermittelt.",
            "Erstmals standen die Todesstrafe, Zwangsarbeit in Lieferketten und die "
            "Unabhängigkeit der Anwaltschaft auf der Tagesordnung.",
            "Vertreterinnen und Vertreter der Zivilgesellschaft wurden vor und nach der Runde im "
            "Auswärtigen Amt unterrichtet.",
        ),
        "rounds": "Seit Beginn des Dialogs haben {n} Gesprächsrunden stattgefunden, abwechselnd "
                  "in beiden Hauptstädten.",
        "reword": ("Beide Seiten bezeichneten die Gespräche als konstruktiv.",
                   "Die deutsche Seite bezeichnete die Gespräche als enttäuschend."),
        "added": "Am 4. Dezember veröffentlichte das Ministerium die vollständige Liste der "
                 "angesprochenen Fälle samt den bisher eingegangenen Antworten.",
        "replacement": ("Archivierte Seite", (
            "Diese Seite wird nicht mehr aktualisiert und dient nur noch als Archiv.",
            "Aktuelle Informationen zu den Beziehungen mit China finden Sie im Länderprofil, das "
            "die früheren Seiten zum Dialog ersetzt.",
            "Fragen zu diesem Archiv richten Sie bitte an das Bürgerservice-Referat.")),
        "views": lambda n: f"{n:,} Aufrufe".replace(",", "."),
        "relative": ("Aktualisiert vor {n} {u}", {"s": ("Sekunde", "Sekunden"),
                                                  "m": ("Minute", "Minuten"),
                                                  "h": ("Stunde", "Stunden")}),
        "activity": "Letzter Kommentar vor {n} Minuten",
        "local_time": lambda t: f"Seite erstellt am {t:%d.%m.%Y} um {t:%H:%M:%S} Uhr",
        "generated": "Erzeugt",
        "reference": "Vorgangsnummer", "code": "Prüfcode", "session": "Sitzung",
        "report": "Bericht zur Gesprächsrunde (PDF)", "annex": "Liste der Einzelfälle (PDF)",
        "consent": ("Diese Website verwendet Cookies.", "Alle akzeptieren", "Nur notwendige",
                    "Einstellungen"),
        "maintenance": ("Wir sind gleich wieder für Sie da",
                        "Unsere Website wird gerade gewartet. Bitte versuchen Sie es später "
                        "noch einmal."),
    },
    "fr": {
        "locale": "fr-FR", "country": "Other (France)", "zone": "Europe/Paris",
        "site": "Ministère de l'Europe et des Affaires étrangères",
        "menu": ("Accueil", "Actualités", "Pays", "Publications", "Contact"),
        "footer": "37 Quai d'Orsay, 75007 Paris.",
        "titles": ("Dialogue franco-chinois sur les droits de l'homme",
                   "Droits de l'homme : session de dialogue avec la Chine",
                   "Compte rendu de la session de dialogue"),
        "paragraphs": (
            "La France a exprimé sa préoccupation face à la détention de défenseurs des droits "
            "de l'homme et a demandé à pouvoir leur rendre visite.",
            "Les deux délégations ont évoqué la situation au Xinjiang et au Tibet, le sort des "
            "minorités religieuses et les restrictions imposées à la presse.",
            "La partie française a remis une liste de cas individuels et demandé des nouvelles de "
            "l'état de santé de plusieurs prisonniers d'opinion.",
            "Il a été convenu d'associer à la prochaine session des universitaires ainsi que des "
            "représentants d'organisations non gouvernementales.",
            "L'ambassadeur pour les droits de l'homme a souligné que la franchise des échanges "
            "était la raison d'être de ce dialogue.",
            "Un compte rendu écrit a été transmis à la commission des affaires étrangères de "
            "l'Assemblée nationale.",
            "La peine de mort, le travail forcé dans les chaînes d'approvisionnement et "
            "l'indépendance des avocats figuraient pour la première fois à l'ordre du jour.",
            "Les organisations de la société civile ont été reçues au ministère avant et après "
            "la session.",
        ),
        "rounds": "Depuis le début du dialogue, {n} sessions se sont tenues, alternativement "
                  "dans les deux capitales.",
        "reword": ("Les deux parties ont qualifié les échanges de constructifs.",
                   "La partie française a qualifié les échanges de décevants."),
        "added": "Le 4 décembre, le ministère a publié la liste complète des cas évoqués, avec "
                 "les réponses reçues à ce jour.",
        "replacement": ("Page archivée", (
            "Cette page n'est plus mise à jour et n'est conservée qu'à titre d'archive.",
            "Les informations actuelles sur nos relations avec la Chine figurent dans la fiche "
            "pays, qui remplace les anciennes pages du dialogue.",
            "Pour toute question sur ces archives, écrivez au service du courrier.")),
        "views": lambda n: f"Consultée {n:,} fois".replace(",", "\u202f"),
        "relative": ("Mis à jour il y a {n} {u}", {"s": ("seconde", "secondes"),
                                                   "m": ("minute", "minutes"),
                                                   "h": ("heure", "heures")}),
        "activity": "Dernier commentaire il y a {n} minutes",
        "local_time": lambda t: f"Page générée le {t:%d/%m/%Y} à {t:%H}h{t:%M}",
        "generated": "Générée",
        "reference": "Référence", "code": "Code de vérification", "session": "Session",
        "report": "Compte rendu complet (PDF)", "annex": "Liste des cas évoqués (PDF)",
        "consent": ("Ce site utilise des traceurs.", "Tout accepter", "Tout refuser",
                    "Personnaliser"),
        "maintenance": ("Site en maintenance",
                        "Nous effectuons une opération de maintenance programmée. Merci de "
                        "revenir plus tard."),
    },
    "ja": {
        "locale": "ja-JP", "country": "Japan", "zone": "Asia/Tokyo",
        "site": "外務省",
        "menu": ("ホーム", "報道・広報", "国・地域", "刊行物", "お問い合わせ"),
        "footer": "外務省 〒100-8919 東京都千代田区霞が関2-2-1",
        "titles": ("日中人権対話", "中国との人権に関する協議", "人権対話の開催結果"),
        "paragraphs": (
            "日本政府は人権擁護者の拘束について懸念を表明し、起訴されずに拘束されている人々への"
            "面会を求めた。",
            "双方は新疆およびチベットの状況、宗教的少数者の処遇、報道の自由に対する制限について"
            "意見を交換した。",
            "日本側代表団は個別の案件の一覧を手渡し、複数の良心の囚人の健康状態について情報提供を"
            "要請した。",
            "次回の対話には学識経験者や非政府組織の代表も参加させることで一致した。",
            "人権担当大使は会合後、率直な意見交換こそが対話の目的であると述べ、進展は限定的で"
            "あったと評価した。",
            "会合の概要は国会の外務委員会に報告された。",
            "死刑制度、サプライチェーンにおける強制労働、弁護士の独立性が初めて議題に取り上げ"
            "られた。",
            "市民社会の関係者に対しては、会合の前後に外務省で説明会が開かれた。",
        ),
        "rounds": "対話開始以来、両国の首都で交互に計{n}回の会合が開かれている。",
        "reword": ("双方は今回の協議を建設的なものと評価した。",
                   "日本側は今回の協議を期待外れのものと評価した。"),
        "added": "12月4日、外務省は提起した個別案件の一覧と、これまでに得られた回答を公表した。",
        "replacement": ("アーカイブ", (
            "このページは更新を終了しており、記録として掲載しています。",
            "中国との関係に関する最新の情報は国・地域別のページに掲載しており、従来の対話の"
            "ページに代わるものです。",
            "このアーカイブに関するお問い合わせは広報室までお寄せください。")),
        "views": lambda n: f"閲覧数 {n:,}",
        "relative": ("最終更新 {n}{u}前", {"s": ("秒", "秒"), "m": ("分", "分"),
                                          "h": ("時間", "時間")}),
        "activity": "最新のコメント {n}分前",
        "local_time": lambda t: f"このページは{t.year}年{t.month}月{t.day}日 {t:%H}時{t:%M}分に"
                                f"生成されました",
        "generated": "生成",
        "reference": "参照番号", "code": "確認コード", "session": "セッション",
        "report": "会合の結果概要（PDF）", "annex": "提起した個別案件の一覧（PDF）",
        "consent": ("当サイトではクッキーを使用しています。", "同意する", "拒否する", "設定"),
        "maintenance": ("メンテナンス中",
                        "ただいまシステムメンテナンスを実施しております。しばらくしてから再度"
                        "アクセスしてください。"),
    },
    "es": {
        "locale": "es-ES", "country": "Other (Spain)", "zone": "Europe/Madrid",
        "site": "Ministerio de Asuntos Exteriores, Unión Europea y Cooperación",
        "menu": ("Inicio", "Actualidad", "Países", "Publicaciones", "Contacto"),
        "footer": "Plaza de la Provincia 1, 28012 Madrid.",
        "titles": ("Diálogo hispano-chino sobre derechos humanos",
                   "Derechos humanos: ronda de diálogo con China",
                   "Informe de la ronda de diálogo"),
        "paragraphs": (
            "España expresó su preocupación por la detención de defensores de los derechos "
            "humanos y pidió poder visitar a las personas detenidas sin cargos.",
            "Ambas delegaciones abordaron la situación en Xinjiang y el Tíbet, el trato a las "
            "minorías religiosas y las restricciones a la prensa.",
            "La delegación española entregó una lista de casos individuales y solicitó "
            "información sobre el estado de salud de varios presos de conciencia.",
            "Se acordó invitar a la próxima ronda a expertos del mundo académico y a "
            "representantes de organizaciones no gubernamentales.",
            "El embajador en misión especial para los derechos humanos señaló que la franqueza "
            "era el propósito del diálogo y que los avances habían sido desiguales.",
            "Se remitió un resumen por escrito a la Comisión de Asuntos Exteriores del Congreso "
            "de los Diputados.",
            "La pena de muerte, el trabajo forzoso en las cadenas de suministro y la independencia "
            "de la abogacía figuraron por primera vez en el orden del día.",
            "Las organizaciones de la sociedad civil fueron recibidas en el ministerio antes y "
            "después de la ronda.",
        ),
        "rounds": "Desde el inicio del diálogo se han celebrado {n} rondas, alternando entre "
                  "ambas capitales.",
        "reword": ("Ambas partes calificaron las conversaciones de constructivas.",
                   "La parte española calificó las conversaciones de decepcionantes."),
        "added": "El 4 de diciembre el ministerio publicó la lista completa de los casos "
                 "planteados, con las respuestas recibidas hasta la fecha.",
        "replacement": ("Página archivada", (
            "Esta página ya no se actualiza y se conserva solo como referencia.",
            "La información actual sobre nuestras relaciones con China se publica en la ficha "
            "del país, que sustituye a las antiguas páginas del diálogo.",
            "Para cualquier consulta sobre este archivo, escriba a la unidad de correspondencia.")),
        "views": lambda n: f"{n:,} visitas".replace(",", "."),
        "relative": ("Actualizado hace {n} {u}", {"s": ("segundo", "segundos"),
                                                  "m": ("minuto", "minutos"),
                                                  "h": ("hora", "horas")}),
        "activity": "Último comentario hace {n} minutos",
        "local_time": lambda t: f"Página generada el {t:%d/%m/%Y} a las {t:%H:%M:%S}",
        "generated": "Generada",
        "reference": "Referencia", "code": "Código de verificación", "session": "Sesión",
        "report": "Informe completo de la ronda (PDF)", "annex": "Lista de casos planteados (PDF)",
        "consent": ("Este sitio utiliza cookies propias y de terceros.", "Aceptar todas",
                    "Rechazar", "Configurar"),
        "maintenance": ("Volvemos enseguida",
                        "Estamos realizando tareas de mantenimiento programado. Inténtelo de "
                        "nuevo más tarde."),
    },
}
