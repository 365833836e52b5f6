using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Functional.Nets;

/// <summary>
/// Words of a raw RFC 822 / MIME e-mail (headers, a blank line, the body), for classifying what a message says.
/// <para><b>Headers: only the Subject is kept.</b> The other headers describe how a message travelled (Received
/// chains, relays, dates, mailing-list fields such as List-Id or X-Mailman-Version), not what it says. In a collection
/// such as the SpamAssassin corpus they separate the classes by the collector's delivery path: the ham is mostly
/// mailing-list traffic, so List-Id alone is in 68% of its messages and 12% of the spam. A model fed headers learns those
/// artefacts, which do not carry to another mailbox; the Subject is written by the sender and is text like the body.</para>
/// <para><b>Body.</b> MIME is followed far enough to get at the text: a <c>multipart/*</c> body is split at its
/// boundary and every part read recursively; parts whose type is not <c>text/*</c> (images, attachments) are skipped;
/// <c>base64</c> and <c>quoted-printable</c> transfer encodings are decoded (bytes as UTF-8, invalid bytes replaced);
/// <c>text/html</c> loses its <c>style</c> and <c>script</c> elements and its tags, and the common character entities
/// are decoded. Malformed input never throws: what cannot be decoded is kept as it stands.</para>
/// <para><b>Tokens</b> (<see cref="Tokenize(string)"/>): lower-cased runs of letters and digits (an apostrophe inside a
/// word is kept: <c>don't</c>), URLs as the token <see cref="Url"/>, e-mail addresses as <see cref="Address"/>, and the
/// symbols <c>$</c> and <c>!</c> as tokens of their own (they are frequent in spam, and Brown's vocabulary has both).
/// Every other character separates tokens.</para>
/// </summary>
public static partial class EmailTokenizer
{
    /// <summary>The token that stands for a URL (http://, https://, ftp:// or www.…).</summary>
    public const string Url = "<url>";

    /// <summary>The token that stands for an e-mail address.</summary>
    public const string Address = "<email>";

    /// <summary>The tokens of <paramref name="message"/> (<see cref="Text"/>, then <see cref="Tokenize(string)"/>), the first <paramref name="maxTokens"/> of them.</summary>
    /// <param name="message">A raw e-mail: headers, a blank line, the body.</param>
    /// <param name="maxTokens">The most tokens returned (&gt; 0): long messages are truncated, the Subject's tokens first.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTokens"/> is not positive.</exception>
    public static string[] Tokens(string message, int maxTokens = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (maxTokens <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "EmailTokenizer.Tokens: the most tokens to keep must be positive");
        }

        return [.. Tokenize(Text(message)).Take(maxTokens)];
    }

    /// <summary>The Subject and the decoded text of the body of <paramref name="message"/>, separated by a blank line (see the class remarks).</summary>
    public static string Text(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (headers, body) = SplitHeaders(message);
        var text = new StringBuilder();
        if (headers.TryGetValue("subject", out var subject))
        {
            text.Append(subject).Append("\n\n");
        }

        AppendBody(text, headers, body, depth: 0);
        return text.ToString();
    }

    /// <summary>The tokens of plain <paramref name="text"/>: lower-cased words, <see cref="Url"/>, <see cref="Address"/>, <c>$</c> and <c>!</c>.</summary>
    public static IEnumerable<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (Match m in TokenPattern().Matches(text))
        {
            if (m.Groups["url"].Success)
            {
                yield return Url;
            }
            else if (m.Groups["address"].Success)
            {
                yield return Address;
            }
            else
            {
                yield return m.Value.ToLowerInvariant();
            }
        }
    }

    // Alternatives in order: URL, address, word (letters/digits, inner apostrophes), $ or !.
    [GeneratedRegex(@"(?<url>(?:https?://|ftp://|www\.)[^\s<>""']+)|(?<address>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*|[$!]", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"<(style|script)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex HiddenElements();

    [GeneratedRegex(@"<!--.*?-->|<[^>]*>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Tags();

    [GeneratedRegex(@"&(#x?[0-9a-fA-F]+|[a-zA-Z]+);", RegexOptions.CultureInvariant)]
    private static partial Regex Entities();

    // Mail nests multipart bodies a few levels at most; the bound keeps a hostile message from recursing without end.
    private const int MaxDepth = 8;

    private static (Dictionary<string, string> Headers, string Body) SplitHeaders(string message)
    {
        var text = message.Replace("\r\n", "\n", StringComparison.Ordinal);
        var end = text.StartsWith('\n') ? 0 : text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = end < 0 ? text : text[..end];
        var body = end < 0 ? "" : text[(end + (end == 0 ? 1 : 2))..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? name = null;
        foreach (var line in head.Split('\n'))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                if (name is not null)
                {
                    headers[name] += " " + line.Trim();   // a folded header continues on indented lines
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.StartsWith("From ", StringComparison.Ordinal))
            {
                name = null;   // the mbox "From " line, or not a header
                continue;
            }

            name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (!headers.TryAdd(name, value))
            {
                name = null;   // a repeated header (Received): the first counts, and its continuations are not appended
            }
        }

        return (headers, body);
    }

    private static void AppendBody(StringBuilder text, Dictionary<string, string> headers, string body, int depth)
    {
        var type = headers.TryGetValue("content-type", out var t) ? t : "text/plain";
        var mediaType = type.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType.StartsWith("multipart/", StringComparison.Ordinal) && Parameter(type, "boundary") is { Length: > 0 } boundary && depth < MaxDepth)
        {
            var delimiter = "--" + boundary;
            var parts = body.Split(delimiter);
            foreach (var part in parts.Skip(1))   // before the first delimiter: the preamble
            {
                if (part.StartsWith("--", StringComparison.Ordinal))
                {
                    break;   // the closing delimiter --boundary--
                }

                var (partHeaders, partBody) = SplitHeaders(part.TrimStart(' ', '\t').StartsWith('\n') ? part.TrimStart(' ', '\t')[1..] : part);
                AppendBody(text, partHeaders, partBody, depth + 1);
            }

            return;
        }

        if (!mediaType.StartsWith("text/", StringComparison.Ordinal) && !mediaType.StartsWith("multipart/", StringComparison.Ordinal))
        {
            return;   // images, applications: no text to read
        }

        var encoding = headers.TryGetValue("content-transfer-encoding", out var e) ? e.Trim().ToLowerInvariant() : "";
        var decoded = encoding switch
        {
            "base64" => DecodeBase64(body),
            "quoted-printable" => DecodeQuotedPrintable(body),
            _ => body,
        };
        if (mediaType == "text/html")
        {
            decoded = WebDecode(Tags().Replace(HiddenElements().Replace(decoded, " "), " "));
        }

        text.Append(decoded).Append('\n');
    }

    private static string? Parameter(string header, string name)
    {
        foreach (var piece in header.Split(';').Skip(1))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && piece[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return piece[(eq + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    private static string DecodeBase64(string body)
    {
        var compact = new StringBuilder(body.Length);
        foreach (var c in body)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
            {
                compact.Append(c);
            }
        }

        // A truncated final quantum is cut off rather than failing the whole body.
        var usable = compact.Length - (compact.Length % 4);
        Span<byte> bytes = new byte[usable / 4 * 3];
        return Convert.TryFromBase64String(compact.ToString(0, usable), bytes, out var written)
            ? Encoding.UTF8.GetString(bytes[..written])
            : body;
    }

    private static string DecodeQuotedPrintable(string body)
    {
        var bytes = new List<byte>(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '=' && i + 1 < body.Length && body[i + 1] == '\n')
            {
                i++;   // a soft line break
            }
            else if (c == '=' && i + 2 < body.Length && byte.TryParse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static string WebDecode(string html) => Entities().Replace(html, m =>
    {
        var entity = m.Groups[1].Value;
        if (entity.StartsWith('#'))
        {
            var hex = entity.Length > 1 && (entity[1] == 'x' || entity[1] == 'X');
            var digits = entity[(hex ? 2 : 1)..];
            return int.TryParse(digits, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is > 0 and < 0x110000 and not (>= 0xD800 and < 0xE000)
                ? char.ConvertFromUtf32(code)
                : " ";
        }

        return entity.ToLowerInvariant() switch
        {
            "nbsp" => " ",
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => " ",
        };
    });
}
