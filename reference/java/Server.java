/*
 * Independent implementation of PATCH /v1/campaigns/{campaignId} ("Update Campaign"),
 * on the JDK alone (com.sun.net.httpserver, java.time, a JSON parser of its own), written
 * from spec/openapi.yaml and the fixture format only (reference/_independent.py).
 * Run: java Server.java --fixtures world.json [--host 127.0.0.1] [--port 0]
 *
 * CHOICES (question -> choice -> why), one per line:
 * - Auth header -> exactly one X-API-Key header whose value equals an account's apiKey (case-sensitive, constant-time compare); missing/empty/unknown/repeated -> 401 -> spec's apiKeyAuth scheme, 401 example says "missing or invalid".
 * - Order of checks -> 401 auth, 404 unknown route, 405 wrong method, 404 unknown campaign, 415 content type, 413 size, 400 JSON/validation, 409 state/uniqueness -> every request must authenticate; the addressed resource must exist before its body matters; conflicts only for otherwise valid requests.
 * - Campaign belonging to another account -> 404, never 403 -> the brief says an account only *sees* its own data; 404 avoids disclosing other tenants' ids. 403 is therefore never emitted.
 * - Other paths -> 404 Error; trailing slash, empty id or extra segments -> 404; id is percent-decoded (bad encoding -> 404) -> only one operation exists.
 * - Other methods on /v1/campaigns/{id} (incl. lowercase "patch", HEAD, OPTIONS) -> 405 with Allow: PATCH and an Error body (no body for HEAD) -> HTTP semantics; spec lists no other operation.
 * - Request Content-Type -> must be application/json (parameters allowed; a charset, if present, must be utf-8); otherwise 415 Error -> requestBody is declared only for application/json.
 * - Body size -> over 1 MiB -> 413 Error (the rest of the body, up to 32 MiB, is drained so the client reads the answer) -> protect the server; no legit body is that big.
 * - Body encoding -> strict UTF-8; invalid bytes -> 400 -> RFC 8259 section 8.1.
 * - Missing/empty body -> 400 -> requestBody.required: true.
 * - JSON strictness -> RFC 8259 only: no comments, trailing commas, NaN, single quotes, leading zeros, BOM, unescaped control chars, lone surrogate escapes, duplicate object keys (all 400); nesting depth > 256 -> 400 -> "strict parser" per brief; duplicates are ambiguous so refused.
 * - Top-level JSON not an object -> 400 -> schema type: object.
 * - Empty object {} -> 200, nothing changes, current record returned -> every property is optional in a partial update.
 * - Unknown properties (including response-only ones like campaignStatus, campaignId) -> 400 with validationErrors[field]="Unknown field" -> a typo in a PATCH would otherwise silently be a no-op returning 200; status changes are not part of this operation.
 * - null for any property -> 400 -> no property is nullable in OpenAPI 3.0.1; "omit" is how to leave a field unchanged.
 * - All 400 validation problems are collected -> one 400 with message "Validation failed" and validationErrors {field: message} -> Error schema has validationErrors for exactly this.
 * - String lengths (campaignName 1..128, agentId 1..64) -> counted in Unicode code points -> JSON Schema length semantics.
 * - Blank campaignName (only whitespace) -> 400 -> a display name used to identify the campaign cannot be invisible; no trimming is otherwise applied.
 * - campaignName uniqueness -> exact (case-sensitive) comparison against the account's other campaigns; duplicate -> 409; keeping the campaign's own name is fine -> "Must be unique within your account"; 409 is the documented conflict status.
 * - sipPhoneNumber -> must match ^\+[1-9][0-9]{6,14}$ over the whole string (no trailing newline), then exist among the account's numbers, then be active; failures -> 400 -> pattern plus prose "provisioned ... enabled for outbound calls"; brief: active=false means not enabled.
 * - Number/agent of another account or unknown -> 400 (not 404) -> the path resource exists; a bad reference in the body is invalid input.
 * - agentId -> schema (1..64) first, then exact match to an account agent; agents with status Disabled -> 400; Live and Testing accepted -> a disabled agent cannot handle calls; fixtures show a Testing agent on a campaign.
 * - agentId without the "agent_" prefix (as in the schema example "D5D0p7TUs66TTAEAx") -> not resolved, 400 -> ids are opaque and matched exactly.
 * - Phone number's own outboundAgentId vs campaign agentId -> not required to match -> the document states no such rule.
 * - Existing ids that violate the schema (65-char agent id, 6- or 16-digit numbers in fixtures) -> refused with 400 -> the request schema is the contract, legacy data does not widen it.
 * - concurrentCalls -> JSON number whose value is an integer (5, 5.0 and 5e0 accepted; 5.5 refused), 1..2147483647 -> "positive integer", int32; JSON has no int/float distinction.
 * - concurrentCalls omitted -> unchanged (not reset to the account default) -> partial update semantics; the "account default" sentence belongs to creation.
 * - dynamicVariables -> replaces the stored map wholesale (not merged); values may be string/number/boolean/object/array but not null; empty key -> 400 -> PATCH replaces a property's value; oneOf excludes null; a variable name cannot be empty.
 * - dynamicVariables key names vs the agent's configuration -> not checked -> fixtures carry no agent variable definitions.
 * - dynamicVariables in the response -> not returned -> CampaignResponse does not define it.
 * - isScheduled omitted -> scheduling untouched and scheduledDate/Time/Timezone ignored (only type-checked as strings) -> prose: "Ignored when isScheduled is false or omitted".
 * - isScheduled false -> schedule cleared (scheduledDate null, scheduled false); a 'scheduled' campaign becomes 'live'; live/paused/completed keep their status; the other three fields are ignored (type-checked only) -> "when false ... starts as soon as"; resuming a paused campaign is not this field's job.
 * - isScheduled true -> scheduledDate, scheduledTime and scheduledTimezone all required in the same request (no fallback to stored values); campaign becomes 'scheduled' -> prose "all required"; CampaignResponse 'scheduled' status.
 * - isScheduled true on a 'completed' campaign -> 409 -> a finished campaign cannot be relaunched by rescheduling; live/paused campaigns may be rescheduled.
 * - scheduledDate format -> strict YYYY-MM-DD (real calendar date); the example's date-time form '2025-09-25T00:00:00.000Z' is refused -> prose and format: date agree, the example is the outlier.
 * - scheduledTime format -> strict HH:mm:ss (00-23:00-59:00-59), no fraction, no offset -> prose says HH:mm:ss interpreted in scheduledTimezone, so an RFC 3339 offset would contradict it.
 * - scheduledTimezone -> must be a region id known to the JDK tz database (ZoneId.getAvailableZoneIds, exact case); offsets like +05:00 and abbreviations like PST refused -> "valid IANA timezone identifier".
 * - "Must be a future date" -> the combined local date+time in the zone must be strictly after now (today at a later hour is OK) -> the launch moment is what matters.
 * - Local time in a DST gap -> 400; in a DST overlap -> the earlier offset -> a non-existent wall time cannot be launched; earlier is java.time's standard choice.
 * - Response scheduledDate -> UTC instant with milliseconds, e.g. 2025-09-25T19:00:00.000Z, null when not scheduled (key always present) -> matches the example (12:00 America/Los_Angeles = 19:00Z).
 * - Response 'scheduled' -> true iff a schedule instant is stored -> mirrors isScheduled.
 * - Response shape -> campaignId, campaignName, campaignStatus, scheduledDate, concurrentCalls, agent{name,agentId,status}, phoneNumber{8 fields}, errors, scheduled; errors copied from state -> CampaignResponse.
 * - Supplied values equal to the current ones -> still validated -> only what is sent is checked, but everything sent is checked; unchanged stored fields are never re-validated.
 * - Error body -> {timestamp (UTC ms), status, error (reason phrase), message, path (actual request path), validationErrors (only for field errors)}, Content-Type application/json -> Error schema; examples use a fixed path but the real path is more useful.
 * - Concurrency -> each account's validate+check+apply runs under that account's lock, so name uniqueness and read-modify-write are atomic -> brief requires safety under concurrent requests.
 * - Unexpected exceptions -> 500 Error body; server keeps running -> "never crash".
 * - Request targets the JDK HttpServer itself cannot parse as a URI (e.g. "/v1/campaigns/%zz") -> the JDK answers 400 with its own HTML body before any handler runs -> known limitation of com.sun.net.httpserver, which the brief mandates.
 */

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Server {

    // ------------------------------------------------------------------ JSON

    /** Sentinel for JSON null inside parsed documents. */
    static final Object JNULL = new Object() {
        @Override public String toString() { return "null"; }
    };

    static final class JsonException extends Exception {
        JsonException(String msg) { super(msg); }
    }

    /** Strict RFC 8259 parser. Objects -> LinkedHashMap, arrays -> ArrayList, numbers -> BigDecimal. */
    static final class JsonParser {
        private static final int MAX_DEPTH = 256;
        private final String s;
        private int i;
        private int depth;

        private JsonParser(String s) { this.s = s; }

        static Object parse(String text) throws JsonException {
            JsonParser p = new JsonParser(text);
            p.skipWs();
            Object v = p.value();
            p.skipWs();
            if (p.i != p.s.length()) throw p.err("unexpected data after JSON value");
            return v;
        }

        private JsonException err(String m) { return new JsonException(m + " at offset " + i); }

        private void skipWs() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++; else break;
            }
        }

        private Object value() throws JsonException {
            if (i >= s.length()) throw err("unexpected end of input");
            char c = s.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': literal("true"); return Boolean.TRUE;
                case 'f': literal("false"); return Boolean.FALSE;
                case 'n': literal("null"); return JNULL;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw err("unexpected character");
            }
        }

        private void literal(String w) throws JsonException {
            if (!s.startsWith(w, i)) throw err("invalid literal");
            i += w.length();
        }

        private Map<String, Object> object() throws JsonException {
            if (++depth > MAX_DEPTH) throw err("nesting too deep");
            i++; // {
            Map<String, Object> m = new LinkedHashMap<>();
            skipWs();
            if (i < s.length() && s.charAt(i) == '}') { i++; depth--; return m; }
            while (true) {
                skipWs();
                if (i >= s.length() || s.charAt(i) != '"') throw err("expected object key");
                String k = string();
                skipWs();
                if (i >= s.length() || s.charAt(i) != ':') throw err("expected ':'");
                i++;
                skipWs();
                Object v = value();
                if (m.containsKey(k)) throw err("duplicate object key \"" + k + "\"");
                m.put(k, v);
                skipWs();
                if (i >= s.length()) throw err("unexpected end of input");
                char c = s.charAt(i);
                if (c == ',') { i++; continue; }
                if (c == '}') { i++; depth--; return m; }
                throw err("expected ',' or '}'");
            }
        }

        private List<Object> array() throws JsonException {
            if (++depth > MAX_DEPTH) throw err("nesting too deep");
            i++; // [
            List<Object> a = new ArrayList<>();
            skipWs();
            if (i < s.length() && s.charAt(i) == ']') { i++; depth--; return a; }
            while (true) {
                skipWs();
                a.add(value());
                skipWs();
                if (i >= s.length()) throw err("unexpected end of input");
                char c = s.charAt(i);
                if (c == ',') { i++; continue; }
                if (c == ']') { i++; depth--; return a; }
                throw err("expected ',' or ']'");
            }
        }

        private int hex4() throws JsonException {
            if (i + 4 > s.length()) throw err("truncated \\u escape");
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int d = Character.digit(s.charAt(i + k), 16);
                char ch = s.charAt(i + k);
                boolean ascii = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
                if (d < 0 || !ascii) throw err("invalid \\u escape");
                v = (v << 4) | d;
            }
            i += 4;
            return v;
        }

        private String string() throws JsonException {
            i++; // opening quote
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw err("unterminated string");
                char c = s.charAt(i);
                if (c == '"') { i++; return sb.toString(); }
                if (c < 0x20) throw err("unescaped control character in string");
                if (c != '\\') { sb.append(c); i++; continue; }
                i++;
                if (i >= s.length()) throw err("unterminated escape");
                char e = s.charAt(i++);
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u': {
                        int cp = hex4();
                        if (Character.isHighSurrogate((char) cp)) {
                            if (i + 6 <= s.length() && s.charAt(i) == '\\' && s.charAt(i + 1) == 'u') {
                                i += 2;
                                int lo = hex4();
                                if (!Character.isLowSurrogate((char) lo)) throw err("invalid surrogate pair");
                                sb.append((char) cp).append((char) lo);
                            } else {
                                throw err("lone high surrogate");
                            }
                        } else if (Character.isLowSurrogate((char) cp)) {
                            throw err("lone low surrogate");
                        } else {
                            sb.append((char) cp);
                        }
                        break;
                    }
                    default: throw err("invalid escape");
                }
            }
        }

        private BigDecimal number() throws JsonException {
            int start = i;
            if (s.charAt(i) == '-') i++;
            if (i >= s.length()) throw err("invalid number");
            char c = s.charAt(i);
            if (c == '0') {
                i++;
            } else if (c >= '1' && c <= '9') {
                while (i < s.length() && isDigit(s.charAt(i))) i++;
            } else {
                throw err("invalid number");
            }
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int f = i;
                while (i < s.length() && isDigit(s.charAt(i))) i++;
                if (i == f) throw err("invalid number fraction");
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                int f = i;
                while (i < s.length() && isDigit(s.charAt(i))) i++;
                if (i == f) throw err("invalid number exponent");
            }
            try {
                return new BigDecimal(s.substring(start, i));
            } catch (NumberFormatException | ArithmeticException ex) {
                throw err("number out of range");
            }
        }

        private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }
    }

    static String toJson(Object v) {
        StringBuilder sb = new StringBuilder();
        writeJson(sb, v);
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    static void writeJson(StringBuilder sb, Object v) {
        if (v == null || v == JNULL) {
            sb.append("null");
        } else if (v instanceof String) {
            writeString(sb, (String) v);
        } else if (v instanceof Boolean) {
            sb.append(((Boolean) v) ? "true" : "false");
        } else if (v instanceof BigDecimal) {
            sb.append(((BigDecimal) v).toString());
        } else if (v instanceof Integer || v instanceof Long) {
            sb.append(v.toString());
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                writeString(sb, e.getKey());
                sb.append(':');
                writeJson(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List) {
            sb.append('[');
            boolean first = true;
            for (Object o : (List<Object>) v) {
                if (!first) sb.append(',');
                first = false;
                writeJson(sb, o);
            }
            sb.append(']');
        } else {
            writeString(sb, v.toString());
        }
    }

    static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029'
                            || (Character.isSurrogate(c) && !validSurrogateAt(s, k))) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    private static boolean validSurrogateAt(String s, int k) {
        char c = s.charAt(k);
        if (Character.isHighSurrogate(c)) return k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1));
        return k > 0 && Character.isHighSurrogate(s.charAt(k - 1));
    }

    // ------------------------------------------------------------------ model

    static final class Agent {
        final String agentId, name, status;
        Agent(String agentId, String name, String status) { this.agentId = agentId; this.name = name; this.status = status; }
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("agentId", agentId);
            m.put("status", status);
            return m;
        }
    }

    static final class Phone {
        static final String[] FIELDS = {"sipPhoneNumber", "provider", "inboundAgentId", "outboundAgentId",
                "outboundPhoneNumber", "active", "terminationSipURI", "friendlyName"};
        final String sipPhoneNumber;
        final boolean active;
        final Map<String, Object> view;
        Phone(Map<String, Object> raw) {
            this.sipPhoneNumber = (String) raw.get("sipPhoneNumber");
            this.active = Boolean.TRUE.equals(raw.get("active"));
            Map<String, Object> v = new LinkedHashMap<>();
            for (String f : FIELDS) {
                Object o = raw.get(f);
                v.put(f, o == JNULL ? null : o);
            }
            this.view = Collections.unmodifiableMap(v);
        }
    }

    static final class Campaign {
        final String campaignId;
        String campaignName;
        String campaignStatus;
        Integer concurrentCalls;
        String agentId;
        String sipPhoneNumber;
        List<Object> errors;                 // null allowed
        Map<String, Object> dynamicVariables; // stored, not returned
        Instant scheduledAt;                  // null when not scheduled
        String scheduledTimezone;
        Campaign(String id) { this.campaignId = id; }
    }

    static final class Account {
        final byte[] apiKey;
        final Map<String, Agent> agents;
        final Map<String, Phone> phones;
        final Map<String, Campaign> campaigns; // key set never changes after load
        final Object lock = new Object();
        Account(byte[] apiKey, Map<String, Agent> agents, Map<String, Phone> phones, Map<String, Campaign> campaigns) {
            this.apiKey = apiKey; this.agents = agents; this.phones = phones; this.campaigns = campaigns;
        }
    }

    // ------------------------------------------------------------------ fixtures

    @SuppressWarnings("unchecked")
    static List<Account> loadFixtures(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        String text = decodeUtf8(bytes);
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        Object root = JsonParser.parse(text);
        if (!(root instanceof Map)) throw new IllegalArgumentException("fixtures root must be an object");
        Object accs = ((Map<String, Object>) root).get("accounts");
        if (!(accs instanceof List)) throw new IllegalArgumentException("fixtures need an accounts array");
        List<Account> out = new ArrayList<>();
        for (Object ao : (List<Object>) accs) {
            Map<String, Object> a = (Map<String, Object>) ao;
            String key = (String) a.get("apiKey");
            if (key == null || key.isEmpty()) throw new IllegalArgumentException("account without apiKey");
            Map<String, Agent> agents = new LinkedHashMap<>();
            for (Object go : listOf(a.get("agents"))) {
                Map<String, Object> g = (Map<String, Object>) go;
                Agent ag = new Agent(str(g.get("agentId")), str(g.get("name")), str(g.get("status")));
                agents.put(ag.agentId, ag);
            }
            Map<String, Phone> phones = new LinkedHashMap<>();
            for (Object po : listOf(a.get("phoneNumbers"))) {
                Phone p = new Phone((Map<String, Object>) po);
                phones.put(p.sipPhoneNumber, p);
            }
            Map<String, Campaign> camps = new LinkedHashMap<>();
            for (Object co : listOf(a.get("campaigns"))) {
                Map<String, Object> c = (Map<String, Object>) co;
                Campaign cp = new Campaign(str(c.get("campaignId")));
                cp.campaignName = str(c.get("campaignName"));
                cp.campaignStatus = str(c.get("campaignStatus"));
                Object cc = c.get("concurrentCalls");
                cp.concurrentCalls = (cc instanceof BigDecimal) ? ((BigDecimal) cc).intValueExact() : null;
                cp.agentId = str(c.get("agentId"));
                cp.sipPhoneNumber = str(c.get("sipPhoneNumber"));
                Object errs = c.get("errors");
                cp.errors = (errs instanceof List) ? new ArrayList<>((List<Object>) errs) : null;
                Object dv = c.get("dynamicVariables");
                cp.dynamicVariables = (dv instanceof Map) ? new LinkedHashMap<>((Map<String, Object>) dv) : new LinkedHashMap<>();
                String sa = str(c.get("scheduledAt"));
                cp.scheduledAt = sa == null ? null : parseInstant(sa);
                cp.scheduledTimezone = str(c.get("scheduledTimezone"));
                camps.put(cp.campaignId, cp);
            }
            out.add(new Account(key.getBytes(StandardCharsets.UTF_8), Collections.unmodifiableMap(agents),
                    Collections.unmodifiableMap(phones), Collections.unmodifiableMap(camps)));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listOf(Object o) { return (o instanceof List) ? (List<Object>) o : Collections.emptyList(); }
    private static String str(Object o) { return (o instanceof String) ? (String) o : null; }

    private static Instant parseInstant(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeException e) {
            return Instant.parse(s);
        }
    }

    static String decodeUtf8(byte[] b) throws CharacterCodingException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        return d.decode(ByteBuffer.wrap(b)).toString();
    }

    // ------------------------------------------------------------------ HTTP

    static final String PREFIX = "/v1/campaigns/";
    static final int MAX_BODY = 1 << 20;
    static final Pattern PHONE = Pattern.compile("^\\+[1-9][0-9]{6,14}$");
    static final Pattern DATE = Pattern.compile("^([0-9]{4})-([0-9]{2})-([0-9]{2})$");
    static final Pattern TIME = Pattern.compile("^([0-9]{2}):([0-9]{2}):([0-9]{2})$");
    static final Set<String> KNOWN_FIELDS = Set.of("campaignName", "sipPhoneNumber", "agentId", "isScheduled",
            "scheduledDate", "scheduledTime", "scheduledTimezone", "concurrentCalls", "dynamicVariables");
    static final DateTimeFormatter UTC_MS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    static final Set<String> ZONES = Collections.unmodifiableSet(new HashSet<>(ZoneId.getAvailableZoneIds()));

    static final class HttpError extends Exception {
        final int status;
        final Map<String, String> validationErrors;
        HttpError(int status, String msg) { this(status, msg, null); }
        HttpError(int status, String msg, Map<String, String> ve) { super(msg); this.status = status; this.validationErrors = ve; }
    }

    private final List<Account> accounts;

    Server(List<Account> accounts) { this.accounts = accounts; }

    static String reason(int status) {
        switch (status) {
            case 200: return "OK";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 409: return "Conflict";
            case 413: return "Payload Too Large";
            case 415: return "Unsupported Media Type";
            default: return "Internal Server Error";
        }
    }

    void handle(HttpExchange ex) {
        String path = "/";
        try {
            String rp = ex.getRequestURI().getRawPath();
            if (rp != null && !rp.isEmpty()) path = rp;
            Map<String, Object> result = process(ex, path);
            send(ex, 200, toJson(result));
        } catch (HttpError he) {
            sendError(ex, he.status, he.getMessage(), he.validationErrors, path);
        } catch (Throwable t) {
            try { System.err.println("internal error: " + t); } catch (Throwable ignore) { }
            sendError(ex, 500, "Unexpected server error", null, path);
        } finally {
            try { ex.close(); } catch (Throwable ignore) { }
        }
    }

    void sendError(HttpExchange ex, int status, String message, Map<String, String> ve, String path) {
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("timestamp", UTC_MS.format(Instant.now()));
            m.put("status", status);
            m.put("error", reason(status));
            m.put("message", message);
            m.put("path", path);
            if (ve != null && !ve.isEmpty()) m.put("validationErrors", new LinkedHashMap<String, Object>(ve));
            if (status == 405) ex.getResponseHeaders().set("Allow", "PATCH");
            send(ex, status, toJson(m));
        } catch (Throwable ignore) {
            // response may already be committed or connection gone; nothing more to do
        }
    }

    static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "application/json");
        h.set("Cache-Control", "no-store");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(b); }
    }

    Account authenticate(HttpExchange ex) throws HttpError {
        List<String> keys = ex.getRequestHeaders().get("X-API-Key");
        if (keys == null || keys.size() != 1 || keys.get(0) == null || keys.get(0).isEmpty())
            throw new HttpError(401, "X-API-Key is missing or invalid");
        byte[] given = keys.get(0).getBytes(StandardCharsets.UTF_8);
        Account found = null;
        for (Account a : accounts) {
            if (MessageDigest.isEqual(a.apiKey, given) && found == null) found = a;
        }
        if (found == null) throw new HttpError(401, "X-API-Key is missing or invalid");
        return found;
    }

    static String decodePathSegment(String seg) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        for (int k = 0; k < seg.length(); k++) {
            char c = seg.charAt(k);
            if (c == '%') {
                if (k + 2 >= seg.length()) return null;
                int hi = Character.digit(seg.charAt(k + 1), 16), lo = Character.digit(seg.charAt(k + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bo.write((hi << 4) | lo);
                k += 2;
            } else if (c > 0x7f) {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bo.write(b, 0, b.length);
            } else {
                bo.write(c);
            }
        }
        try {
            return decodeUtf8(bo.toByteArray());
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    Map<String, Object> process(HttpExchange ex, String path) throws HttpError, IOException {
        Account acct = authenticate(ex);
        if (!path.startsWith(PREFIX)) throw new HttpError(404, "The requested resource was not found");
        String seg = path.substring(PREFIX.length());
        if (seg.isEmpty() || seg.indexOf('/') >= 0) throw new HttpError(404, "The requested resource was not found");
        String campaignId = decodePathSegment(seg);
        if (campaignId == null || campaignId.isEmpty()) throw new HttpError(404, "The requested resource was not found");
        if (!"PATCH".equals(ex.getRequestMethod()))
            throw new HttpError(405, "Method " + ex.getRequestMethod() + " is not allowed; use PATCH");
        Campaign camp = acct.campaigns.get(campaignId);
        if (camp == null) throw new HttpError(404, "Campaign not found: " + campaignId);

        checkContentType(ex);
        byte[] raw = readBody(ex.getRequestBody());
        if (raw.length == 0) throw new HttpError(400, "Request body is required");
        String text;
        try {
            text = decodeUtf8(raw);
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "Request body is not valid UTF-8");
        }
        Object doc;
        try {
            doc = JsonParser.parse(text);
        } catch (JsonException e) {
            throw new HttpError(400, "Malformed JSON: " + e.getMessage());
        }
        if (!(doc instanceof Map)) throw new HttpError(400, "Request body must be a JSON object");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) doc;

        synchronized (acct.lock) {
            Patch p = validate(acct, body);
            // state conflicts (only for otherwise valid requests)
            if (Boolean.TRUE.equals(p.isScheduled) && "completed".equals(camp.campaignStatus))
                throw new HttpError(409, "A completed campaign cannot be scheduled");
            if (p.campaignName != null) {
                for (Campaign other : acct.campaigns.values()) {
                    if (other != camp && p.campaignName.equals(other.campaignName))
                        throw new HttpError(409, "A campaign named '" + p.campaignName + "' already exists in this account");
                }
            }
            apply(camp, p);
            return render(acct, camp);
        }
    }

    static void checkContentType(HttpExchange ex) throws HttpError {
        List<String> cts = ex.getRequestHeaders().get("Content-Type");
        if (cts == null || cts.size() != 1 || cts.get(0) == null)
            throw new HttpError(415, "Content-Type must be application/json");
        String[] parts = cts.get(0).split(";", -1);
        String mt = parts[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!mt.equals("application/json")) throw new HttpError(415, "Content-Type must be application/json");
        for (int k = 1; k < parts.length; k++) {
            String prm = parts[k].trim();
            if (prm.isEmpty()) continue;
            int eq = prm.indexOf('=');
            if (eq <= 0) throw new HttpError(415, "Malformed Content-Type parameter");
            String name = prm.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
            String val = prm.substring(eq + 1).trim();
            if (val.length() >= 2 && val.startsWith("\"") && val.endsWith("\"")) val = val.substring(1, val.length() - 1);
            if (name.equals("charset") && !val.equalsIgnoreCase("utf-8"))
                throw new HttpError(415, "Only the utf-8 charset is supported");
        }
    }

    static byte[] readBody(InputStream in) throws IOException, HttpError {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            bo.write(buf, 0, n);
            if (bo.size() > MAX_BODY) {
                // drain (bounded) so the client can read the answer instead of a reset, then refuse
                long drained = 0;
                while (drained < 32L * MAX_BODY && (n = in.read(buf)) > 0) drained += n;
                throw new HttpError(413, "Request body exceeds " + MAX_BODY + " bytes");
            }
        }
        return bo.toByteArray();
    }

    // ------------------------------------------------------------------ validation

    static final class Patch {
        String campaignName, sipPhoneNumber, agentId;
        Boolean isScheduled;
        Instant scheduledAt;
        String scheduledTimezone;
        Integer concurrentCalls;
        Map<String, Object> dynamicVariables;
    }

    static String typeName(Object v) {
        if (v == JNULL) return "null";
        if (v instanceof String) return "string";
        if (v instanceof Boolean) return "boolean";
        if (v instanceof BigDecimal) return "number";
        if (v instanceof Map) return "object";
        if (v instanceof List) return "array";
        return "unknown";
    }

    static boolean isBlank(String s) {
        for (int k = 0; k < s.length(); ) {
            int cp = s.codePointAt(k);
            if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp)) return false;
            k += Character.charCount(cp);
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    Patch validate(Account acct, Map<String, Object> body) throws HttpError {
        Map<String, String> ve = new LinkedHashMap<>();
        Patch p = new Patch();
        for (String k : body.keySet()) if (!KNOWN_FIELDS.contains(k)) ve.put(k, "Unknown field");

        if (body.containsKey("campaignName")) {
            Object v = body.get("campaignName");
            if (!(v instanceof String)) ve.put("campaignName", "Must be a string, got " + typeName(v));
            else {
                String s = (String) v;
                int len = s.codePointCount(0, s.length());
                if (len < 1) ve.put("campaignName", "Must be at least 1 character");
                else if (len > 128) ve.put("campaignName", "Must be at most 128 characters");
                else if (isBlank(s)) ve.put("campaignName", "Must not be blank");
                else p.campaignName = s;
            }
        }

        if (body.containsKey("sipPhoneNumber")) {
            Object v = body.get("sipPhoneNumber");
            if (!(v instanceof String)) ve.put("sipPhoneNumber", "Must be a string, got " + typeName(v));
            else {
                String s = (String) v;
                if (!PHONE.matcher(s).matches()) ve.put("sipPhoneNumber", "Must be in +E.164 format (^\\+[1-9][0-9]{6,14}$)");
                else {
                    Phone ph = acct.phones.get(s);
                    if (ph == null) ve.put("sipPhoneNumber", "Phone number " + s + " is not provisioned in this account");
                    else if (!ph.active) ve.put("sipPhoneNumber", "Phone number " + s + " is not enabled for outbound calls");
                    else p.sipPhoneNumber = s;
                }
            }
        }

        if (body.containsKey("agentId")) {
            Object v = body.get("agentId");
            if (!(v instanceof String)) ve.put("agentId", "Must be a string, got " + typeName(v));
            else {
                String s = (String) v;
                int len = s.codePointCount(0, s.length());
                if (len < 1) ve.put("agentId", "Must be at least 1 character");
                else if (len > 64) ve.put("agentId", "Must be at most 64 characters");
                else {
                    Agent ag = acct.agents.get(s);
                    if (ag == null) ve.put("agentId", "Agent " + s + " does not exist in this account");
                    else if ("Disabled".equals(ag.status)) ve.put("agentId", "Agent " + s + " is disabled");
                    else p.agentId = s;
                }
            }
        }

        if (body.containsKey("isScheduled")) {
            Object v = body.get("isScheduled");
            if (!(v instanceof Boolean)) ve.put("isScheduled", "Must be a boolean, got " + typeName(v));
            else p.isScheduled = (Boolean) v;
        }

        // type checks always apply to the schedule fields, even when they are ignored
        for (String f : new String[]{"scheduledDate", "scheduledTime", "scheduledTimezone"}) {
            if (body.containsKey(f) && !(body.get(f) instanceof String))
                ve.put(f, "Must be a string, got " + typeName(body.get(f)));
        }

        if (Boolean.TRUE.equals(p.isScheduled)) {
            LocalDate date = null;
            LocalTime time = null;
            ZoneId zone = null;
            if (!body.containsKey("scheduledDate")) ve.put("scheduledDate", "Required when isScheduled is true");
            else if (body.get("scheduledDate") instanceof String) {
                Matcher m = DATE.matcher((String) body.get("scheduledDate"));
                if (!m.matches()) ve.put("scheduledDate", "Must be a date in YYYY-MM-DD format");
                else {
                    try {
                        date = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
                    } catch (DateTimeException e) {
                        ve.put("scheduledDate", "Not a valid calendar date");
                    }
                }
            }
            if (!body.containsKey("scheduledTime")) ve.put("scheduledTime", "Required when isScheduled is true");
            else if (body.get("scheduledTime") instanceof String) {
                Matcher m = TIME.matcher((String) body.get("scheduledTime"));
                if (!m.matches()) ve.put("scheduledTime", "Must be a time in HH:mm:ss format");
                else {
                    int hh = Integer.parseInt(m.group(1)), mm = Integer.parseInt(m.group(2)), ss = Integer.parseInt(m.group(3));
                    if (hh > 23 || mm > 59 || ss > 59) ve.put("scheduledTime", "Not a valid time of day");
                    else time = LocalTime.of(hh, mm, ss);
                }
            }
            if (!body.containsKey("scheduledTimezone")) ve.put("scheduledTimezone", "Required when isScheduled is true");
            else if (body.get("scheduledTimezone") instanceof String) {
                String tz = (String) body.get("scheduledTimezone");
                if (!ZONES.contains(tz)) ve.put("scheduledTimezone", "Must be a valid IANA timezone identifier");
                else {
                    try { zone = ZoneId.of(tz); } catch (DateTimeException e) { ve.put("scheduledTimezone", "Must be a valid IANA timezone identifier"); }
                }
            }
            if (date != null && time != null && zone != null) {
                LocalDateTime ldt = LocalDateTime.of(date, time);
                if (zone.getRules().getValidOffsets(ldt).isEmpty()) {
                    ve.put("scheduledTime", "This local time does not exist in " + zone.getId() + " (daylight-saving gap)");
                } else {
                    Instant at = ZonedDateTime.ofLocal(ldt, zone, null).toInstant();
                    if (!at.isAfter(Instant.now())) ve.put("scheduledDate", "The scheduled date and time must be in the future");
                    else { p.scheduledAt = at; p.scheduledTimezone = zone.getId(); }
                }
            }
        }

        if (body.containsKey("concurrentCalls")) {
            Object v = body.get("concurrentCalls");
            if (!(v instanceof BigDecimal)) ve.put("concurrentCalls", "Must be an integer, got " + typeName(v));
            else {
                BigDecimal d = (BigDecimal) v;
                if (d.compareTo(BigDecimal.ONE) < 0) {
                    ve.put("concurrentCalls", isIntegral(d) ? "Must be a positive integer" : "Must be an integer");
                } else if (d.compareTo(INT_MAX) > 0) {
                    ve.put("concurrentCalls", "Must be at most " + Integer.MAX_VALUE);
                } else if (!isIntegral(d)) {
                    ve.put("concurrentCalls", "Must be an integer");
                } else {
                    p.concurrentCalls = d.intValueExact();
                }
            }
        }

        if (body.containsKey("dynamicVariables")) {
            Object v = body.get("dynamicVariables");
            if (!(v instanceof Map)) ve.put("dynamicVariables", "Must be an object, got " + typeName(v));
            else {
                Map<String, Object> m = (Map<String, Object>) v;
                boolean ok = true;
                for (Map.Entry<String, Object> e : m.entrySet()) {
                    if (e.getKey().isEmpty()) { ve.put("dynamicVariables", "Variable names must not be empty"); ok = false; }
                    else if (e.getValue() == JNULL) { ve.put("dynamicVariables." + e.getKey(), "Must be a string, number, boolean, object or array, not null"); ok = false; }
                }
                if (ok) p.dynamicVariables = m;
            }
        }

        if (!ve.isEmpty()) throw new HttpError(400, "Validation failed", ve);
        return p;
    }

    static boolean isIntegral(BigDecimal d) {
        return d.signum() == 0 || d.scale() <= 0 || d.stripTrailingZeros().scale() <= 0;
    }

    static void apply(Campaign c, Patch p) {
        if (p.campaignName != null) c.campaignName = p.campaignName;
        if (p.sipPhoneNumber != null) c.sipPhoneNumber = p.sipPhoneNumber;
        if (p.agentId != null) c.agentId = p.agentId;
        if (p.concurrentCalls != null) c.concurrentCalls = p.concurrentCalls;
        if (p.dynamicVariables != null) c.dynamicVariables = new LinkedHashMap<>(p.dynamicVariables);
        if (Boolean.TRUE.equals(p.isScheduled)) {
            c.scheduledAt = p.scheduledAt;
            c.scheduledTimezone = p.scheduledTimezone;
            c.campaignStatus = "scheduled";
        } else if (Boolean.FALSE.equals(p.isScheduled)) {
            c.scheduledAt = null;
            c.scheduledTimezone = null;
            if ("scheduled".equals(c.campaignStatus)) c.campaignStatus = "live";
        }
    }

    static Map<String, Object> render(Account acct, Campaign c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("campaignId", c.campaignId);
        m.put("campaignName", c.campaignName);
        m.put("campaignStatus", c.campaignStatus);
        m.put("scheduledDate", c.scheduledAt == null ? null : UTC_MS.format(c.scheduledAt.truncatedTo(ChronoUnit.MILLIS)));
        m.put("concurrentCalls", c.concurrentCalls);
        Agent ag = c.agentId == null ? null : acct.agents.get(c.agentId);
        m.put("agent", ag == null ? null : ag.toJson());
        Phone ph = c.sipPhoneNumber == null ? null : acct.phones.get(c.sipPhoneNumber);
        m.put("phoneNumber", ph == null ? null : new LinkedHashMap<>(ph.view));
        m.put("errors", c.errors == null ? null : new ArrayList<>(c.errors));
        m.put("scheduled", c.scheduledAt != null);
        return m;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) {
        String fixtures = null, host = "127.0.0.1";
        int port = 0;
        try {
            for (int k = 0; k < args.length; k++) {
                switch (args[k]) {
                    case "--fixtures": fixtures = args[++k]; break;
                    case "--host": host = args[++k]; break;
                    case "--port": port = Integer.parseInt(args[++k]); break;
                    default: throw new IllegalArgumentException("unknown argument " + args[k]);
                }
            }
            if (fixtures == null) throw new IllegalArgumentException("--fixtures FILE is required");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("bad port");
        } catch (RuntimeException e) {
            System.err.println("usage: java Server.java --fixtures FILE [--host 127.0.0.1] [--port 0]: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<Account> accounts;
        try {
            accounts = loadFixtures(Path.of(fixtures));
        } catch (Exception e) {
            System.err.println("cannot load fixtures " + fixtures + ": " + e);
            System.exit(1);
            return;
        }
        try {
            Server app = new Server(accounts);
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 256);
            int threads = Math.max(8, Runtime.getRuntime().availableProcessors() * 4);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            server.setExecutor(pool);
            server.createContext("/", app::handle);
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.stop(0);
                pool.shutdownNow();
            }));
            System.out.println("{\"port\": " + server.getAddress().getPort() + "}");
            System.out.flush();
        } catch (Exception e) {
            System.err.println("cannot start server: " + e);
            System.exit(1);
        }
    }
}
