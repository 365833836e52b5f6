using System.Text;

namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Mutates a JSON document at the level of its tokens (strings, numbers, literals, punctuation) rather than its
/// bytes, so that most mutants stay close to valid JSON and reach the readers' checks instead of the parser's first
/// syntax error: a string becomes a hostile one (lone surrogate escapes, the empty name, a key word of the format),
/// a number one at a limit (2³¹, 2⁶³, 2⁶⁴, 1e400, −0, 1.5), a key is given twice, tokens are dropped, copied or swapped.
/// </summary>
public sealed class JsonTokenMutator
{
    /// <summary>Strings as JSON text, quotes included: escapes of lone and paired surrogates, NUL, invalid escapes, an unterminated one.</summary>
    public static readonly string[] HostileStrings =
    [
        "\"\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\\udbff\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"", "\"\\\\\"", "\"\\x\"", "\"unterminated",
        "\"\\uFFFF\"", "\"ä\"", "\"\u2028\"", "\"\\\"\"", "\"NaN\"", "\"Infinity\"", "\"-1\"", "\" \"", "\"a.b\"", "\"$\"",
        "\"" + new string('a', 5000) + "\"",
    ];

    /// <summary>Numbers at the edges of every integer type the readers use, beyond float64, and some that are no JSON.</summary>
    public static readonly string[] HostileNumbers =
    [
        "0", "-0", "1", "-1", "2", "3", "7", "8", "255", "256", "65535", "65536", "46341", "2147483647", "2147483648", "-2147483648",
        "4294967295", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "18446744073709551615", "18446744073709551616", "1e400", "-1e400", "1e-400", "1.5", "0.5", "-0.0", "1e9", "3e9", "1E2",
        "00", "01", "-", "NaN", "Infinity", "1e", "0x10",
    ];

    private static readonly string[] Others = ["true", "false", "null", "{", "}", "[", "]", ":", ",", "{}", "[]"];

    private readonly string[] words;

    /// <summary>A mutator that also uses <paramref name="words"/> (the format's own names: dtypes, layer types, field names) as strings.</summary>
    public JsonTokenMutator(IEnumerable<string> words)
    {
        this.words = [.. words.Select(w => "\"" + w + "\"")];
    }

    /// <summary>The tokens of <paramref name="json"/>: strings with their quotes and escapes, numbers and literals, single punctuation characters.</summary>
    public static List<string> Tokenize(string json)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < json.Length)
        {
            var c = json[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '"')
            {
                var j = i + 1;
                while (j < json.Length && json[j] != '"')
                {
                    j += json[j] == '\\' ? 2 : 1;
                }

                tokens.Add(json[i..Math.Min(json.Length, j + 1)]);
                i = j + 1;
            }
            else if ("{}[]:,".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                var j = i;
                while (j < json.Length && !char.IsWhiteSpace(json[j]) && !"{}[]:,\"".Contains(json[j], StringComparison.Ordinal))
                {
                    j++;
                }

                tokens.Add(json[i..j]);
                i = j;
            }
        }

        return tokens;
    }

    /// <summary>One to three mutations of <paramref name="json"/>'s tokens, drawn from <paramref name="random"/>; <paramref name="what"/> says which.</summary>
    public string Mutate(string json, Random random, out string what)
    {
        var tokens = Tokenize(json);
        var done = new List<string>();
        var count = random.Next(10) < 6 ? 1 : 2 + random.Next(2);
        for (var m = 0; m < count && tokens.Count > 0; m++)
        {
            var i = random.Next(tokens.Count);
            switch (random.Next(9))
            {
                case 0:
                case 1:
                    {
                        // A string becomes a hostile one or one of the format's words.
                        var strings = Indices(tokens, t => t.StartsWith('"'));
                        if (strings.Count == 0)
                        {
                            goto case 4;
                        }

                        i = strings[random.Next(strings.Count)];
                        tokens[i] = random.Next(2) == 0 ? Pick(HostileStrings, random) : Pick(words, random);
                        done.Add($"string {i} → {Short(tokens[i])}");
                        break;
                    }

                case 2:
                case 3:
                    {
                        var numbers = Indices(tokens, t => t.Length > 0 && (char.IsAsciiDigit(t[0]) || t[0] == '-'));
                        if (numbers.Count == 0)
                        {
                            goto case 4;
                        }

                        i = numbers[random.Next(numbers.Count)];
                        tokens[i] = Pick(HostileNumbers, random);
                        done.Add($"number {i} → {tokens[i]}");
                        break;
                    }

                case 4:
                    {
                        // A key named twice: "key": value is repeated after the value, with the same or a hostile value.
                        var keys = Indices(tokens, t => t.StartsWith('"')).Where(k => k + 1 < tokens.Count && tokens[k + 1] == ":").ToList();
                        if (keys.Count == 0)
                        {
                            goto case 5;
                        }

                        var k = keys[random.Next(keys.Count)];
                        var end = ValueEnd(tokens, k + 2);
                        List<string> value = random.Next(2) == 0
                            ? tokens.GetRange(k + 2, end - (k + 2))
                            : [random.Next(2) == 0 ? Pick(HostileNumbers, random) : Pick(HostileStrings, random)];
                        tokens.InsertRange(end, [",", tokens[k], ":", .. value]);
                        done.Add($"key {Short(tokens[k])} twice");
                        break;
                    }

                case 5:
                    done.Add($"drop {Short(tokens[i])} at {i}");
                    tokens.RemoveAt(i);
                    break;
                case 6:
                    done.Add($"copy {Short(tokens[i])} at {i}");
                    tokens.Insert(i, tokens[i]);
                    break;
                case 7:
                    {
                        var j = random.Next(tokens.Count);
                        (tokens[i], tokens[j]) = (tokens[j], tokens[i]);
                        done.Add($"swap {i} and {j}");
                        break;
                    }

                default:
                    {
                        var t = random.Next(3) switch { 0 => Pick(Others, random), 1 => Pick(HostileNumbers, random), _ => Pick(HostileStrings, random) };
                        tokens.Insert(i, t);
                        done.Add($"insert {Short(t)} at {i}");
                        break;
                    }
            }
        }

        what = string.Join("; ", done);
        return string.Join(' ', tokens);
    }

    /// <summary>The index just after the value that starts at <paramref name="start"/> (brackets matched).</summary>
    private static int ValueEnd(List<string> tokens, int start)
    {
        var depth = 0;
        var i = start;
        while (i < tokens.Count)
        {
            var t = tokens[i];
            depth += t is "{" or "[" ? 1 : t is "}" or "]" ? -1 : 0;
            i++;
            if (depth <= 0)
            {
                break;
            }
        }

        return Math.Min(i, tokens.Count);
    }

    private static List<int> Indices(List<string> tokens, Func<string, bool> which) =>
        [.. Enumerable.Range(0, tokens.Count).Where(i => which(tokens[i]))];

    private static string Pick(string[] choices, Random random) => choices[random.Next(choices.Length)];

    private static string Short(string token) => token.Length > 24 ? token[..20] + $"…({token.Length})" : token;

    /// <summary>UTF-8 bytes of <paramref name="text"/>, keeping lone surrogates that the text itself holds as U+FFFD (the mutants hold only escapes).</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
