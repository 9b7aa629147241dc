/**
 * Cue patterns for intent classification, compiled once at load. Each pattern is a RegExp
 * without the `g` flag (so no shared `lastIndex` state) applied to *lower-cased* text, so none
 * needs the `i` flag either.
 *
 * They are written from what users of a general-purpose LLM gateway send, in the languages the
 * gateway sees most (en, es, fr, de, it, pt, zh, ja, ru, ar, hi, ko, nl, tr, pl), and from the
 * label definitions in docs/intent.md — not from the project's labelled examples.
 */

/* ---------- Unicode word boundaries ---------- */

const WORD_CHAR = '[\\p{L}\\p{N}_]';

/**
 * Compiles a pattern in which `\b` means a *Unicode* word boundary. JS's own `\b` only knows
 * ASCII letters, so "écris", "çevir" or "как" would never match after a space. A `\b` that opens
 * a word becomes "no letter before", one that closes a word "no letter after".
 */
export function re(source: string): RegExp {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\' && source[i + 1] === 'b') {
      const next = source[i + 2] ?? '';
      const escaped = source[i + 3] ?? '';
      const opens = next === '(' || (next === '\\' && 'dwp'.includes(escaped)) || /[\p{L}\p{N}]/u.test(next);
      out += opens ? `(?<!${WORD_CHAR})` : `(?!${WORD_CHAR})`;
      i++;
    } else if (ch === '\\') {
      out += ch + (source[i + 1] ?? '');
      i++;
    } else {
      out += ch;
    }
  }
  return new RegExp(out, 'u');
}

/* ---------- languages ---------- */

/** Natural-language names (as translation targets), in English and in several languages. */
const NATURAL_LANGUAGES = String.raw`english|spanish|french|german|italian|portuguese|chinese|mandarin|cantonese|japanese|korean|russian|arabic|hindi|bengali|urdu|dutch|turkish|polish|swedish|norwegian|danish|finnish|greek|hebrew|vietnamese|thai|indonesian|malay|ukrainian|czech|romanian|hungarian|persian|farsi|swahili|tagalog|filipino|catalan|latin|esperanto|inglés|ingles|español|espanol|castellano|francés|frances|alemán|aleman|italiano|portugués|portugues|chino|japonés|japones|ruso|árabe|anglais|espagnol|français|francais|allemand|italien|portugais|chinois|japonais|russe|arabe|englisch|deutsch|deutsche|französisch|franzosisch|spanisch|italienisch|portugiesisch|chinesisch|japanisch|russisch|englische|französische|inglese|francese|tedesco|spagnolo|portoghese|cinese|giapponese|inglês|francês|alemão|espanhol|английский|английском|русский|немецкий|французский|испанский|китайский|японский|engels|nederlands|angielski|İngilizce|ingilizce|ingilizceye|英文|英语|英語|中文|汉语|漢語|日语|日文|日本語|法语|法文|德语|德文|西班牙语|俄语|韩语|韓国語|中国語|フランス語|ドイツ語|スペイン語|英訳|和訳|الإنجليزية|الانجليزية|العربية|الفرنسية|अंग्रेजी|अंग्रेज़ी|हिंदी|हिन्दी|영어|한국어`;

/** Programming languages, frameworks and code-bearing formats. */
const PROGRAMMING_LANGUAGES = String.raw`python|javascript|typescript|java|kotlin|scala|swift|swiftui|objective-c|c\+\+|c#|csharp|golang|go|rust|ruby|php|perl|haskell|elixir|erlang|clojure|dart|flutter|lua|r|matlab|julia|fortran|cobol|vba|bash|shell|zsh|powershell|sql|postgres|postgresql|mysql|sqlite|mongodb|redis|html|css|scss|tailwind|jsx|tsx|react|react native|vue|angular|svelte|next\.js|node|nodejs|node\.js|deno|django|flask|fastapi|spring|spring boot|rails|laravel|express|nestjs|pandas|numpy|pytorch|tensorflow|cuda|opencl|glsl|terraform|ansible|kubernetes|k8s|helm|docker|dockerfile|nginx|apache|yaml|graphql|solidity|verilog|vhdl|assembly|wasm|android|ios|jetpack compose|pygame|jquery|regex`;

/* ---------- translation ---------- */

/** An explicit request to translate, in many languages. */
export const TRANSLATE_VERB_SOURCE = String.raw`\btranslat(?:e|ed|es|ing|ion)\b|\btraduc(?:e|ir|ción|cion|eme|elo|ela|iendo)\b|\btradu(?:z|za|zir|zca|ção|cao|ire|isez|is|it|ction|ci|cimi|zione|rre)\b|übersetz|ubersetz|\bvertaal|\bprzetłumacz|\bçevir|перев(?:еди|едите|одите|ести|од\b)|翻译|翻譯|译成|譯成|翻成|翻訳|訳して|訳す|に訳|번역|ترجم|अनुवाद|\bdịch\b`;
export const TRANSLATE_VERB = re(TRANSLATE_VERB_SOURCE);

/** "in/into/to <language>", "en español", "auf Deutsch", "成英文", "英語に" ... */
export const TO_NATURAL_LANGUAGE_SOURCE = String.raw`\b(?:into|to|in|from)\s+(?:(?:simplified|traditional|formal|informal|casual|brazilian|european|modern|plain)\s+)?(?:${NATURAL_LANGUAGES})\b|\b(?:en|al|a|au|auf|ins|para|em|на|para o|para el|verso|naar het|na)\s+(?:${NATURAL_LANGUAGES})|(?:成|为|為|を|に)(?:${NATURAL_LANGUAGES})|(?:${NATURAL_LANGUAGES})(?:に|で|へ|로|으로|语|版)`;
export const TO_NATURAL_LANGUAGE = re(TO_NATURAL_LANGUAGE_SOURCE);

/** "how do you say X in Y", "what's the French for X", "cómo se dice". */
export const HOW_TO_SAY_SOURCE = String.raw`\bhow (?:do|would|can|should) (?:you|i|we) say\b.{1,80}\b(?:in|into) (?:${NATURAL_LANGUAGES})\b|\bwhat(?:'s| is) the (?:${NATURAL_LANGUAGES}) (?:word |phrase )?for\b|\bwhat(?:'s| is| does) .{1,60}\b(?:mean )?in (?:${NATURAL_LANGUAGES})\b|\bcómo se dice\b|\bcomment (?:dit-on|on dit|dire)\b|\bwie sagt man\b|\bcome si dice\b|\bcomo se diz\b|\bкак (?:сказать|будет)\b|怎么说|怎麼說|何と言|なんて言|뭐라고`;
export const HOW_TO_SAY = re(HOW_TO_SAY_SOURCE);

/** "put/render/say/rewrite this in <language>". */
export const RENDER_IN_LANGUAGE_SOURCE = String.raw`\b(?:put|render|say|write|rewrite|give me|convert|turn|make|read)\b.{0,60}\b(?:in|into|to)\s+(?:(?:simplified|traditional|formal|informal|casual|brazilian|european|plain)\s+)?(?:${NATURAL_LANGUAGES})\b`;
export const RENDER_IN_LANGUAGE = re(RENDER_IN_LANGUAGE_SOURCE);

/** Target is a programming language: "translate/convert/port this to Rust" is code work. */
export const TO_PROGRAMMING_LANGUAGE_SOURCE = String.raw`\b(?:to|into|in|en|nach|para|vers|in linguaggio)\s+(?:${PROGRAMMING_LANGUAGES})\b`;
export const TO_PROGRAMMING_LANGUAGE = re(TO_PROGRAMMING_LANGUAGE_SOURCE);

/* ---------- code ---------- */

/** Verbs that ask for code to be produced or changed (en + es/fr/de/it/pt/zh/ja/ru/ko/ar/hi). */
export const CODE_VERB_SOURCE = String.raw`\b(?:write|create|implement|build|generate|code|code up|make|add|fix|refactor|optimi[sz]e|debug|rewrite|convert|port|complete|scaffold|modify|update|extend|patch|migrate|automate)\b|\b(?:escribe|escriba|escribir|crea|crear|implementa|implementar|genera|generar|corrige|arregla|escreva|crie|implemente|gere|corrija|écris|écrire|écrivez|crée|créez|implémente|implémentez|génère|générez|corrige|schreibe|schreib|erstelle|implementiere|generiere|korrigiere|scrivi|crea|implementa|genera|correggi|napisz|yaz)\b|写一个|写个|写|编写|寫|实现|實現|生成|修复|修改|書いて|実装|作成|修正|напиши|реализуй|создай|исправь|напишите|작성|구현|اكتب|أنشئ|लिखें|लिखो|बनाएं`;
export const CODE_VERB = re(CODE_VERB_SOURCE);

/** What code work produces. */
export const CODE_NOUN_SOURCE = String.raw`\b(?:function|functions|func|method|class|classes|script|program|code|snippet|module|library|package|api|endpoint|route|handler|component|swiftui view|hook|decorator|middleware|query|queries|regex|regexp|regular expression|unit tests?|test cases?|tests|test suite|makefile|cli|command line tool|algorithm|implementation|bug|stack trace|compile error|migration|crud|webhook|cron job|lambda|microservice|backend|frontend|shader|kernel|macro|excel formula|spreadsheet formula|one-liner|oneliner|pipeline|workflow|config|config file|configuration|manifest|playbook|yaml file|github action|smart contract|app|bot|${PROGRAMMING_LANGUAGES})\b|\b(?:función|funcion|fonction|funktion|funzione|função|funcao|clase|classe|klasse|programa|programme|programm|código|codigo|codice|consulta|requête|abfrage|componente|composant)\b|函数|函數|代码|代碼|程序|脚本|类|正则|関数|コード|スクリプト|プログラム|クラス|正規表現|функци|код|скрипт|программ|класс|запрос|함수|코드|دالة|بايثون|كود|फ़ंक्शन|फंक्शन|कोड`;
export const CODE_NOUN = re(CODE_NOUN_SOURCE);

/** "a Python function", "some unit tests", "a bash script" — a code artifact named directly. */
export const CODE_ARTIFACT_SOURCE = String.raw`\b(?:need|want|give me|show me|get me|looking for|could you|can you|please|help me (?:with|build|make)|i'?d like)\b.{0,30}\b(?:a|an|the|some|this)\s+(?:[\w#+.-]+\s+){0,3}(?:function|script|component|query|regex|endpoint|kernel|view|hook|decorator|unit tests?|test suite|dockerfile|makefile|migration|cli|one-liner|smart contract|api handler|middleware|game|app)\b`;
export const CODE_ARTIFACT = re(CODE_ARTIFACT_SOURCE);

/** Source-code syntax. Tested on the raw text (case matters for some tokens). */
export const CODE_SYNTAX =
  /(?:^|\n)[ \t]*(?:def |class \w+[:(]|function\s*\w*\s*\(|const \w+ = |let \w+ = |var \w+ = |import [\w{*]|from \w[\w.]* import |#include\s*<|package \w+;?|public (?:static |class |void )|private \w+ \w+|fn \w+\(|func \w+\(|impl\b|SELECT\s.{1,200}?\sFROM\s|INSERT INTO\s|CREATE TABLE\s|UPDATE \w+ SET\s|<\?php|<!DOCTYPE|<html|<div|#!\/|@\w+\()|=>|\)\s*\{|\};|\.\w+\([^)\n]{0,120}\);|console\.log|System\.out|print\(|printf\(|std::|Traceback \(most recent call last\)|\b(?:TypeError|ValueError|KeyError|SyntaxError|ReferenceError|NullPointerException|IndexError|AttributeError|ModuleNotFoundError|ZeroDivisionError|Segmentation fault)\b|\bat \w+[.\w]*\(\S+:\d+:\d+\)/;

/** Asking to explain / review / understand code or a concept, not to write it. */
export const EXPLAIN_CUE_SOURCE = String.raw`\bexplain\b|\bexplanation\b|\bwhat does (?:this|the|it|that)\b|\bwhat is (?:this|that) (?:code|function|line|regex|snippet|query) doing\b|\bwalk me through\b|\bhow does (?:this|that|it|the)\b|\bhelp me understand\b|\bunderstand (?:this|what|how|why|it)\b|\b(?:code )?review\b|\btime complexity\b|\bbig-?o\b|\bwhy (?:does|is|do|would|might|could) (?:this|that|it|the)\b|\bexplica|\bexpliqu|\berklär|\berklar|\bspiega|解释|解釋|说明|説明|どういう意味|объясни|что делает|설명`;
export const EXPLAIN_CUE = re(EXPLAIN_CUE_SOURCE);

/** Words that mean "change/produce code" even in an explanation ("explain and fix"). */
export const CODE_CHANGE_VERB_SOURCE = String.raw`\b(?:fix|rewrite|refactor|implement|write|add|convert|port|optimi[sz]e|modify|generate|complete)\b|修复|修改|実装|修正|исправь|напиши|corrige|arregla|korrigiere`;
export const CODE_CHANGE_VERB = re(CODE_CHANGE_VERB_SOURCE);

/** "not fix it", "don't change anything": the change verb is negated. */
export const NEGATED_CHANGE_SOURCE = String.raw`\b(?:not|don'?t|do not|no need to|without)\s+(?:to\s+)?(?:fix|change|rewrite|modify|refactor)\b`;
export const NEGATED_CHANGE = re(NEGATED_CHANGE_SOURCE);

/** Words that tie a request to programming when no code is pasted. */
export const PROGRAMMING_KEYWORD_SOURCE = String.raw`\b(?:${PROGRAMMING_LANGUAGES}|function|variable|array|loop|recursion|compiler|runtime|api|sdk|framework|repository|repo|git|npm|pip|json|xml|http|rest|endpoint|database|server|backend|frontend|async|await|promise|thread|mutex|pointer|struct|enum|interface|generic|lambda|closure|exception|stack trace|unit test|dependency|container|deploy)\b|函数|代码|程序|数据库|関数|コード|データベース|функци|код|программ|база данных`;
export const PROGRAMMING_KEYWORD = re(PROGRAMMING_KEYWORD_SOURCE);

/* ---------- JSON / structured extraction ---------- */

/** Output in a structured format. */
export const JSON_OUTPUT_SOURCE = String.raw`\b(?:return|returns|output|respond|reply|answer|give|provide|produce|emit|format|formatted|print|generate|convert|turn|put|dump|serialize|structure|devuelve|devuelva|devuélvelo|retorna|retorne|renvoie|renvoyez|donne|gib|gebe|restituisci|верни|выведи|дай)\b[^.\n]{0,40}\b(?:json|jsonl|ndjson|yaml|csv|structured (?:data|output|format)|key[- ]value)\b|\b(?:as|in|into|using|to|en|als|em|in formato|в формате|au format|im format|w formacie)\s+(?:a |an |valid |strict |proper |the following |formato |format )?(?:json|jsonl|ndjson|yaml)\b|\bjson (?:object|array|list|format|output|schema|only|response|lines|with (?:the )?(?:keys|fields))\b|\bvalid json\b|\bonly json\b|\bjson:|\bschema\b|\bkeyed by\b|json\s*(?:数组|数組|对象|對象|格式|形式|で|に|として|में|के रूप|formatında|formatinda)|(?:用|以|为|成|按|を)\s*json|формате json`;
export const JSON_OUTPUT = re(JSON_OUTPUT_SOURCE);

/** Pull fields / entities out of text. */
export const EXTRACT_VERB_SOURCE = String.raw`\b(?:extract|extracts|extracting|extraction|pull out|parse|parsing|capture|fill in|fill out|populate|normalize|normalise|tabulate|identify all|list all|list every|find all|get all|tag each|tag|label each|classify each|categorize each|categorize|classify|structure|extrae|extraer|extraiga|extrais|extraire|extrayez|extrahiere|extrahieren|estrai|estrarre|extraia|extrair|извлеки|извлечь|çıkar|wyodrębnij)\b|提取|抽取|抽出|取り出|解析出|استخرج|निकाल`;
export const EXTRACT_VERB = re(EXTRACT_VERB_SOURCE);

/** What extraction pulls out. */
export const EXTRACT_TARGET_SOURCE = String.raw`\b(?:fields?|entities|entity|names?|dates?|amounts?|prices?|totals?|emails?|e-mail addresses|phone numbers?|addresses|address|skills|attributes|properties|line items|items|invoice|receipt|metadata|key points|keywords|topics?|sentiment|contacts?|values|records?|rows?|columns?|parameters|specs|specifications|ingredients|events|products?|companies|people|persons?|locations|details|information|info|data|urls?|links|hashtags|mentions|quantities|categories|category|priority|labels?)\b|字段|信息|数据|实体|姓名|人名|地点|地名|日期|时间|电话|邮箱|地址|金额|項目|情報|データ|名前|会社名|поля|данные|сущности|имя|дату|сумму|campos|datos|nombre|champs|données|nom|felder|daten|name|campi|dati|nome|الاسم|البريد|नाम`;
export const EXTRACT_TARGET = re(EXTRACT_TARGET_SOURCE);

/** A JSON skeleton in the prompt: `{"name": ...` or `"key": "string"`. */
export const JSON_SKELETON =
  /\{\s*"[^"\n]{1,40}"\s*:|"[\w ]{1,30}"\s*:\s*(?:"(?:string|number|boolean|integer|date|[^"]{0,20})"|\[|\{|null|true|false|\d|<)/;

/* ---------- vision ---------- */

/** Refers to a picture the user is showing. */
export const VISION_REFERENCE_SOURCE = String.raw`\b(?:this|the|that|attached|above|uploaded|my|these|those|following)\s+(?:image|images|picture|pictures|pic|pics|photo|photos|photograph|screenshot|screenshots|scan|scanned|diagram|chart|graph|figure|drawing|sketch|x-ray|meme|whiteboard|slide)\b|\bin the (?:image|picture|photo|screenshot|drawing|diagram|chart)\b|\bwhat(?:'s| is) in (?:this|the) (?:image|picture|photo)\b|\bphotos? attached\b|\bocr\b|\bread the text (?:in|from|on)\b|\bdescribe (?:this|the) (?:image|picture|photo)\b|\besta (?:imagen|foto)\b|\bla (?:imagen|foto)\b|\bcette (?:image|photo|capture)\b|\bl'image\b|\bdiesem bild\b|\bdieses bild\b|\bdas bild\b|\bdem bild\b|\bquesta (?:immagine|foto)\b|\besta imagem\b|这张图|這張圖|图片|图中|圖片|照片|截图|この画像|画像|写真|スクショ|на (?:этом |этой )?(?:фото|картинке|изображении)|изображени|이 사진|이미지|الصورة|तस्वीर`;
export const VISION_REFERENCE = re(VISION_REFERENCE_SOURCE);

/* ---------- safety ---------- */

/** Jailbreaks and prompt injection (also looked for deep inside pasted material). */
export const JAILBREAK_SOURCE = String.raw`\b(?:ignore|disregard|forget|override|bypass|skip)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|every\s+|these\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|former|system|initial|original|safety|content|ethical|moral)?\s*(?:instructions?|prompts?|rules|directions|guidelines|guidance|messages|context|document|task|policies|policy|programming|training|constraints|limitations|restrictions|filters?|guardrails|safety|system prompt)\b|\bforget (?:that )?you are\b|\bdo anything now\b|\bdan mode\b|\byou are (?:now )?dan\b|\b(?:better)?dan\b.{0,40}\b(?:no|without) (?:rules|restrictions|limits)|\bdeveloper mode\b|\bjailbr[eo]ak|\bgod mode\b|\bunfiltered\b|\buncensored\b|\bno (?:restrictions|filters|limits|rules|guidelines|censorship|ethical guidelines|moral guidelines|morals)\b|\bwithout (?:any )?(?:restrictions|filters|censorship|ethical|moral|limits|guidelines|rules)\b|\bhates rules\b|\bnot bound by\b|\bfree of all (?:restrictions|rules)\b|\bsafety\s*=\s*off\b|\bsystem override\b|\b(?:reveal|print|show|repeat|output|leak|display|tell me|give me)\s+(?:me\s+)?(?:your|the|all)?\s*(?:hidden |secret |initial |original |confidential )?(?:system prompt|prompt|instructions|rules|configuration|developer message)\b.{0,60}\b(?:verbatim|word for word|above|given|including)\b|\b(?:reveal|print|show|leak|display) (?:me )?(?:your|the) (?:system prompt|hidden (?:prompt|instructions|rules)|initial instructions|developer message|confidential (?:rules|instructions))\b|\brepeat (?:the |all )?(?:words|text|everything|instructions) above\b|\binstructions you were given\b|\bthe real task\b|\bnew instructions?:|\bnew instruction for the ai\b|\byour new role\b|\bstay in character\b.{0,80}\b(?:no matter|even if|refuse)\b|\bpretend (?:you are|to be|you're) (?:an? )?(?:ai|assistant|model|chatbot)? ?(?:with no|without|that has no|that can)\b|\bevil ?(?:ai|assistant|bot|confidant)\b|\bopposite mode\b|\b(?:act|answer|respond|reply) as (?:an? )?(?:unrestricted|unfiltered|uncensored|amoral)\b|\bif you had no (?:restrictions|rules|limits|filters)\b|\blet'?s break the rules\b|\[system\]|###\s*system|<\|im_start\|>|<\/?system>|\bignora (?:todas )?(?:las |tus )?instrucciones|\bignorez? (?:toutes )?(?:les |vos )?(?:instructions|consignes)|\bignoriere (?:alle )?(?:vorherigen |bisherigen )?(?:anweisungen|regeln)|\bignora (?:tutte )?le istruzioni|\bignore (?:todas )?as instruções|忽略(?:之前|以上|上面|所有|先前|你的)|无视(?:之前|所有)|忽略.{0,6}指令|越狱|指示.{0,8}無視|無視して|игнорируй|забудь (?:все )?(?:предыдущие )?инструкции|تجاهل (?:جميع |كل )?التعليمات|निर्देशों को (?:अनदेखा|नज़रअंदाज़)|पिछले निर्देश|\bbỏ qua (?:tất cả )?(?:các |những )?(?:hướng dẫn|chỉ dẫn|yêu cầu)|\bquên (?:đi )?(?:tất cả )?(?:các |những )?(?:hướng dẫn|chỉ dẫn)|\babaikan (?:semua )?(?:instruksi|petunjuk|perintah)|\btalimatlar[ıi]? ?(?:yok say|görmezden gel|unut)|\bönceki (?:tüm )?talimatlar|\bignore as instruções|\besqueça (?:as |todas as )?(?:instruções|regras)|\bdimentica (?:le |tutte le )?istruzioni|\bvergiss (?:alle )?(?:vorherigen )?anweisungen|\boublie[sz]? (?:toutes )?(?:les |vos )?instructions|\bolvida (?:todas )?(?:las |tus )?instrucciones|이전 (?:지시|명령|지침)|지시(?:를|사항을)? 무시|指示を無視|以前の指示|指示を忘れ|前の指示`;
export const JAILBREAK = re(JAILBREAK_SOURCE);

/** Self-harm: high recall matters; no defensive discount applies. */
export const SELF_HARM_SOURCE = String.raw`\b(?:kill|hurt|harm|cut|hang|poison|shoot) myself\b|\bend (?:my life|it all)\b|\btake my (?:own )?life\b|\bsuicid(?:e|al)\b|\bself[- ]harm\b|\bwant to die\b|\bdon'?t want to (?:live|be alive|wake up)\b|\bno reason to live\b|\bbetter off dead\b|\blethal dose\b|\bpainless(?:ly)? (?:way to )?die\b|\boverdose on\b|\bhow many (?:pills|sleeping pills|tylenol|paracetamol)\b.{0,40}\b(?:die|not wake|kill)\b|\bnot wake up\b|\bcut myself\b|\bsuicid|\bmatarme\b|quitarme la vida|\bme tuer\b|\bme suicider\b|\bmich umbringen\b|\bselbstmord|\buccidermi\b|\bme matar\b|自杀|自殺|想死|不想活|死にたい|покончить с собой|убить себя|суицид|انتحار|أقتل نفسي|आत्महत्या`;
export const SELF_HARM = re(SELF_HARM_SOURCE);

/** Help-seeking or informational framing of self-harm ("warning signs", "help my friend"). */
export const SELF_HARM_SUPPORT_SOURCE = String.raw`\b(?:warning signs?|signs of|risk factors|at risk of|help (?:a|my) (?:friend|child|son|daughter|teen|teenager|student|partner)|someone (?:who|is)|parents?|teachers?|prevention|prevent|hotline|helpline|support (?:a|my|someone)|statistics|research)\b`;
export const SELF_HARM_SUPPORT = re(SELF_HARM_SUPPORT_SOURCE);

/** Asking how to do / make / get something (the harmful object decides). */
export const HARM_ACTION_SOURCE = String.raw`\b(?:how (?:to|do i|can i|could i|would i|do you|should i|would you)|how do (?:i|you|we)|what'?s the (?:best|easiest|most effective|fastest) way|best way to|step[- ]by[- ]step|instructions|steps|recipe|guide|tutorial|teach me|show me how|tell me how|explain how to|give me|list of|plan|make|making|build|building|create|creating|assemble|construct|manufacture|synthesi[sz]e|synthesis of|cook|brew|produce|obtain|buy|acquire|smuggle|write|code|develop|generate|craft|draft|design|deploy|spread|plant|hide|launder|install|describe in detail|roleplay|role-play|pretend|act as)\b|\b(?:cómo (?:hacer|fabricar|crear|puedo)|fabricar|comment (?:fabriquer|faire|créer)|fabriquer|wie (?:baue|mache|stelle|kann ich)|bauen|herstellen|come (?:costruire|fare)|costruire|como (?:fazer|fabricar|hackear)|hackear|как (?:сделать|изготовить|создать|собрать|взломать))\b|\b(?:nasıl|bagaimana|cách|어떻게|comment|cómo|wie|come|como|как)\b|怎么做|怎么|如何|教我|告诉我|写一个|制作|制造|作り方|作る方法|教えて|방법|كيف|أصنع|कैसे|बनाएं`;
export const HARM_ACTION = re(HARM_ACTION_SOURCE);

/**
 * Objects and acts of seriously harmful requests: weapons, drug synthesis, malware, attacks on
 * others' systems or accounts, fraud, violence, stalking, exploitation.
 */
export const HARM_OBJECT_SOURCE = String.raw`(?<!bath |seed |smoke |glitter |f-)\bbombs?\b|\b(?:pipe bomb|explosives?|ied|detonators?|napalm|thermite|molotov|nitroglycerin|nerve agents?|sarin|vx gas|ricin|anthrax|botulinum|bioweapons?|biological weapons?|chemical weapons?|toxic gas|dirty bomb|nuclear weapon|untraceable (?:gun|firearm)|ghost gun|3d[- ]printed (?:gun|weapon)|weapon from a 3d printer|silencer|suppressor|full[- ]auto conversion|buy a gun illegally|meth|methamphetamine|fentanyl|heroin|crack cocaine|cook crack|cocaine|lsd|mdma|opioids without a prescription|ransomware|keylogger|key logger|trojan|botnet|rootkit|malware|spyware|stalkerware|info[- ]?stealer|credential stealer|password stealer|cryptojacker|computer worm|worm that|computer virus|reverse shell|zero[- ]day exploit|exploit kit|working exploit|ddos|phishing|fake login page|scam (?:script|email|call)|fake (?:[\w-]+ ){0,2}(?:ids?|passports?|invoices?|reviews|documents|banknotes|news)|counterfeit|credit card (?:fraud|skimmer|numbers?)|skim(?:ming)? credit cards|carding|stolen credit cards?|launder (?:money|cash|funds|crypto|bitcoin|\$)|money laundering|human trafficking|child (?:porn|sexual|nude)|csam|underage|revenge porn|deepfake|swatting|doxx?|doxxing|violent attack|terror(?:ist)? attack|mass shooting)\b|\b(?:hack|hacking|hack into|break into|breaking into|get into|access) (?:someone|somebody|my (?:ex|ex-girlfriend|ex-boyfriend|girlfriend|boyfriend|wife|husband|neighbou?r|boss|roommate)|an? (?:account|phone|email)|(?:his|her|their|my ex'?s?) (?:account|phone|email|instagram|facebook|whatsapp)|a (?:bank|government|hospital|school)|(?:the )?wi-?fi of|apartments|houses?|cars?)\b|\b(?:steal|stealing|stalk|stalking|kidnap|kidnapping|torture|murder|smuggle|shoplift|shoplifting|blackmail|extort|threaten|threatening|harass|hotwire|brute[- ]forces?|pick a lock|bump key|cheat on (?:[\w-]+ ){0,3}(?:exam|test|quiz)|get away with|poison)\b|\b(?:kill|hurt|stab|strangle|attack|shoot) (?:someone|somebody|a person|people|my (?:wife|husband|boss|neighbou?r|teacher|ex|father|mother|coworker)|him|her|them|a child|kids)\b|\bwithout (?:getting caught|being caught|being detected|(?:her|him|them|anyone) (?:knowing|noticing)|the (?:bank|police) (?:reporting|knowing))\b|\b(?:isn'?t mine|i don'?t own|someone else'?s|other users'?|my roommate'?s)\b|\bevade (?:antivirus|av|edr|detection)\b|\bevades? antivirus\b|\bbypass (?:2fa|two[- ]factor|mfa|antivirus|edr|drm)\b|\bbomba\b|\bbombe\b|\bbombe bauen\b|\bhackear\b|\barma\b|\bwaffe\b|炸弹|炸彈|爆弾|爆炸物|бомб|قنبلة|बम|\b(?:drogas|narcotráfico|robar|estafa|estafar|envenenar|secuestrar|extorsionar|arnaquer|empoisonner|kidnapper|stehlen|betrug|betrügen|drogen|töten|vergiften|geldwäsche|erpressen|entführen|rubare|truffa|truffare|uccidere|avvelenare|rapire|roubar|envenenar|sequestrar|наркотики|наркотиков|оружие|мошенничество|украсть|убить|отравить|отмыть|похитить|взломать|uyuşturucu|silah|dolandırıcılık|çalmak|öldürmek|zehirlemek|narkoba|senjata|mencuri|penipuan|membunuh|meracuni|túy|سرقة|مخدرات|سلاح|قتل|احتيال|تسميم)\b|毒品|冰毒|覚醒剤|勒索软件|木马|病毒程序|взлом|枪支|武器|诈骗|洗钱|黑客|窃取|走私|恐怖袭击|毒药|炸药|儿童色情|詐欺|麻薬|ハッキング|盗む|殺す|殺し方|마약|폭탄|해킹|사기|무기|훔치|चोरी|हथियार|ड्रग्स|धोखाधड़ी|ज़हर`;
export const HARM_OBJECT = re(HARM_OBJECT_SOURCE);

/** Defensive / educational framing that makes a security or harm topic benign. */
export const DEFENSIVE_CONTEXT_SOURCE = String.raw`\b(?:prevent|prevention|protect|protection|protecting|defend|defense|defence|defenses|defences|detect|detection|detects|mitigate|mitigation|secure|harden|hardening|patch|awareness|train (?:my|our) (?:staff|employees|team)|recogni[sz]e|spot|avoid|report|recover|history of|historical|documentary|what is|what are|what makes|how does|how do .{1,30} work|why (?:do|does|is|are|were|was)|ctf|capture the flag|authori[sz]ed|my own (?:server|system|network|app|website|site|computer)|pentest report|incident response|victim|safely|dispose|warning signs|heuristics|pharmacology|what'?s (?:a|an)|stop|deal with|cope with|someone is|spot|analy[sz]e|explain how .{1,30} (?:works|spreads|work))\b|防止|防范|防御|如何防|保护|検出|防ぐ|защит|предотвра|proteger|prevenir|protéger|schützen`;
export const DEFENSIVE_CONTEXT = re(DEFENSIVE_CONTEXT_SOURCE);

/** Sexual content involving minors, and violent extremism: never discounted. */
export const SEVERE_SOURCE = String.raw`\b(?:(?:1[0-7]|[5-9])[- ]?(?:years?[- ]old|yo|y\/o)|is (?:1[0-7]|[5-9])|minor|underage|child|kid|teen)\b.{0,80}\b(?:sexy|sexual (?:content|acts?|roleplay|story|photos)|nude|nudes|naked|night together|pictures of (?:themselves|yourself)|send (?:me )?(?:pics|pictures|photos))\b|\b(?:sexual (?:content|acts?|roleplay|story)|nude|naked|night together|pictures of themselves)\b.{0,80}\b(?:(?:1[0-7]|[5-9])[- ]?(?:years?[- ]old|yo)|minor|underage|child)\b|\b(?:recruit|recruiting)\b.{0,60}\b(?:attack|terror|jihad|violence)\b|\bviolent attack against\b`;
export const SEVERE = re(SEVERE_SOURCE);

/* ---------- reasoning and maths ---------- */

/** Maths: operators between numbers or variables, and maths vocabulary in many languages. */
export const MATH_SOURCE = String.raw`\d\s*[+\-*/^×÷=<>≤≥]\s*[\d(a-z]|[a-z]\s*[\^²³]\s*\d?|[∫∑∏√∂∞≈≠≤≥πθλ∈∀∃]|(?<!\d)\d+(?:\.\d+)?\s*%|\b(?:solve|prove|proof|derive|derivation|integral|integrate|derivative|differentiate|equation|inequality|polynomial|matrix|matrices|eigen\w*|determinant|vector space|limit of|probability|chance of|expected value|variance|standard deviation|bayes|combinatorics|permutations?|combinations?|theorem|lemma|lcm|gcd|prime numbers?|modulo|logarithm|factorial|geometric|arithmetic|sequence|calculate|calculation|compute|how many ways|how many|how much|how long until|percentage|compound(?:ed)? interest|maximi[sz]e|minimi[sz]e|area of|volume of|induction|fermi estimate|estimate the number)\b|\b(?:resuelve|resolver|demuestra|demostrar|calcula|calcular|ecuación|probabilidad|résous|résoudre|démontre|démontrer|calcule|calculer|équation|probabilité|löse|lösen|beweise|beweisen|berechne|berechnen|gleichung|wahrscheinlichkeit|risolvi|dimostra|calcola|equazione|probabilità|resolva|prove que|equação|probabilidade)\b|求解|证明|證明|计算|計算|方程|概率|機率|积分|導数|导数|解方程|数列|一般項|求め|証明|確率|微分|積分|реши|решите|докажи|вычисли|уравнени|вероятност|интеграл|احسب|معادلة|हल करें|समीकरण|\b(?:сколько|cuántos|cuántas|combien|quanti|quante|quantos|quantas|kaç|berapa)\b|\bwie viele?\b|多少(?:元|米|千克|公斤|吨|天|个|人|页|本|岁|分钟|小时|平方|立方|千米|公里|厘米|克|只|辆|棵|块|次|倍)|一共|还剩|剩下|平均每|每(?:天|小时|分钟|人|个|千克)|百分之|几分之|甲乙|甲、乙|面积|体积|周长|速度|何個|何人|何円|何分|何倍|合計|平均|割合|面積|速さ`;
export const MATH = re(MATH_SOURCE);

/** Reasoning-heavy asks: why, analyse, trade-offs, prove, plan, design, evaluate. */
export const REASONING_SOURCE = String.raw`\bwhy\b|\bexplain (?:why|how|the reasoning|the intuition|in depth|in detail)\b|\banaly[sz]e\b|\banalysis\b|\bcompare\b|\bcomparison\b|\bcontrast\b|\btrade-?offs?\b|\bpros and cons\b|\badvantages and disadvantages\b|\bevaluate\b|\bcritique\b|\bassess(?:ment)?\b|\bstep[- ]by[- ]step\b|\bthink (?:through|carefully|step|it through)\b|\breason(?:ing)? (?:about|through|it out)\b|\breason it\b|\bwalk (?:me )?through\b|\bimplications?\b|\bconsequences\b|\bsecond-order\b|\bwhat would happen if\b|\bwhat would be the\b|\bwhich (?:is|one is|would be) (?:better|faster|more)\b|\bshould (?:i|we) (?:use|choose|pick|go with|accept)\b|\bdesign (?:a|an|the) (?:system|architecture|scalable|distributed|database schema|strategy|rate limiter)\b|\barchitecture\b|\bstrategy\b|\broot causes?\b|\bcauses\b|\bdebate\b|\bargue\b|\barguments?\b|\bethical\b|\bboth sides\b|\bjustify\b|\bintuition\b|\bquantify\b|\bsystematically\b|\bpuzzle\b|\briddle\b|\blogic(?:al)?\b|\bparadox\b|\bhypothes[ie]s\b|\bin depth\b|\bin detail\b|\bthorough\b|\bcomprehensive\b|\bwhat'?s wrong with (?:this|the) (?:proof|argument|reasoning)\b|\bpor qué\b|\bpor que\b|\bcompara\b|\banaliza|\bpourquoi\b|\bcomparer?\b|\banalyse[rz]?\b|\bwarum\b|\bwieso\b|\bvergleiche|\banalysiere|\bperché\b|\bconfronta|\banalizza|\banalise\b|为什么|為什麼|为何|比较|比較|分析|区别|區別|优缺点|推理|なぜ|どうして|違い|理由を|почему|сравни|проанализируй|разница между|لماذا|حلل|क्यों|विश्लेषण`;
export const REASONING = re(REASONING_SOURCE);

/** Lighter reasoning cues: a simple comparison or "how does X work" can be light chat. */
export const REASONING_WEAK_SOURCE = String.raw`\bdifference between\b|\bhow does\b|\bhow do\b.{1,40}\bwork\b|\bexplain\b|\bwhat happens when\b`;
export const REASONING_WEAK = re(REASONING_WEAK_SOURCE);

/* ---------- light chat ---------- */

/** Greetings, thanks, small talk, light creative asks. */
export const SMALL_TALK_SOURCE = String.raw`^(?:hi|hello|hey|yo|hiya|howdy|good (?:morning|afternoon|evening|night)|thanks|thank you|thx|ty|ok|okay|cool|great|nice|lol|haha|bye|goodbye|see you|sup|hola|buenos días|buenas|gracias|bonjour|salut|merci|hallo|guten (?:morgen|tag|abend)|danke|ciao|grazie|buongiorno|olá|ola|obrigad[oa]|привет|спасибо|здравствуйте|你好|您好|谢谢|謝謝|早上好|こんにちは|おはよう|ありがとう|안녕|감사|مرحبا|شكرا|नमस्ते|धन्यवाद)\b|\bhow are you\b|\bwhat'?s up\b|\btell me a joke\b|\bjoke about\b|\bfun fact\b|\bwho are you\b|\bwhat can you do\b|\bi'?m bored\b|\bnice to meet you\b|\b(?:write|compose) (?:me )?(?:a |an )?(?:short |quick |cute |funny )?(?:poem|haiku|limerick|toast|birthday message|caption|slogan|tagline|tweet|joke|thank-you note|note)\b|\bsuggest (?:a|some)\b|\brecommend (?:a|some|me)\b|\bideas? for\b|\bname (?:for|ideas)\b|\bgift ideas?\b|\btips\b|\bany (?:tips|ideas|advice)\b`;
export const SMALL_TALK = re(SMALL_TALK_SOURCE);

/* ---------- gates: cheap word cues that decide whether a costlier pattern runs ---------- */

/** Each language name as its own alternative (CJK and Hangul names bare: no spaces, or particles attached). */
function languageNameAlternatives(): string {
  return NATURAL_LANGUAGES.split('|')
    .map((name) => (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u.test(name) ? name : String.raw`\b${name}\b`))
    .join('|');
}

/** A language name or a "how do you say" word: translation patterns are worth running. */
export const TRANSLATION_GATE_SOURCE = `${languageNameAlternatives()}|${String.raw`\b(?:say|dice|dit|dire|sagt|diz|сказать|будет)\b|怎么说|怎麼說|何と言|なんて言|뭐라고`}`;

/** First words of the jailbreak/injection phrasings (JAILBREAK runs only when one is present). */
export const JAILBREAK_GATE_SOURCE = String.raw`\b(?:ignore|ignora|ignorez|ignoriere|disregard|forget|override|bypass|skip|anything|dan|betterdan|developer|god|unfiltered|uncensored|unrestricted|amoral|restrictions|filters|limits|rules|guidelines|censorship|morals|ethical|moral|hates|bound|safety|system|prompt|instructions|instruction|configuration|task|role|character|pretend|opposite|words|text|everything)\b|\bjailbr|\bevil|\[system\]|###|<\|im_start\|>|<\/?system>|\b(?:bỏ|quên|abaikan|talimatları|talimatlari|talimatlar|önceki|esqueça|dimentica|vergiss|oublie|oubliez|olvida|이전|지시)\b|忽略|无视|越狱|無視|игнорируй|забудь|تجاهل|निर्देश|指示|무시`;

/** Words without which SEVERE cannot match. */
export const SEVERE_GATE_SOURCE = String.raw`\b(?:sexy|sexual|nude|nudes|naked|night|pictures|pics|photos|recruit|recruiting|violent)\b`;
