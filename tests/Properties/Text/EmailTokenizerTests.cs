using System.Text;

namespace Functional.Nets.Tests.Text;

/// <summary>
/// The e-mail tokenizer: only the Subject of the headers is read, folded headers are joined, MIME multipart bodies are
/// split and their non-text parts skipped, base64 and quoted-printable are decoded, HTML loses its tags, styles and
/// scripts, URLs and addresses become one token each, and truncation keeps the first tokens.
/// </summary>
public sealed class EmailTokenizerTests
{
    [Fact]
    public void Headers_other_than_the_subject_are_dropped()
    {
        var mail = "From sender@example.com  Thu Aug 22 12:36:23 2002\nReceived: from relay.example.org by mx\n\tfor <x@y.org>; Thu, 22 Aug 2002\n"
            + "List-Id: <exmh-workers.example.com>\nSubject: Cheap Loans\n  today only\nX-Mailer: Outlook\n\nHello, World! It's $5.\n";
        Assert.Equal(["cheap", "loans", "today", "only", "hello", "world", "!", "it's", "$", "5"], EmailTokenizer.Tokens(mail));
    }

    [Fact]
    public void A_message_without_headers_or_body_gives_what_there_is()
    {
        Assert.Empty(EmailTokenizer.Tokens(""));
        Assert.Equal(["hi"], EmailTokenizer.Tokens("Subject: hi\n"));
        Assert.Equal(["body", "only"], EmailTokenizer.Tokens("\nbody only"));
        Assert.Equal(["crlf"], EmailTokenizer.Tokens("Subject: crlf\r\n\r\n"));
    }

    [Fact]
    public void Urls_and_addresses_are_one_token_each()
    {
        var tokens = EmailTokenizer.Tokenize("Visit http://www.example.com/a?b=c or www.shop.biz, write to Jane.Doe+x@mail.example.co.uk now").ToArray();
        Assert.Equal(["visit", EmailTokenizer.Url, "or", EmailTokenizer.Url, "write", "to", EmailTokenizer.Address, "now"], tokens);
    }

    [Fact]
    public void Base64_and_quoted_printable_bodies_are_decoded()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("Free money, café!"));
        var base64 = $"Subject: s\nContent-Transfer-Encoding: base64\n\n{encoded[..10]}\n{encoded[10..]}\n";
        Assert.Equal(["s", "free", "money", "café", "!"], EmailTokenizer.Tokens(base64));

        var qp = "Subject: s\nContent-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak caf=C3=A9 =3D done\n";
        Assert.Equal(["s", "softbreak", "café", "done"], EmailTokenizer.Tokens(qp));
    }

    [Fact]
    public void Multipart_keeps_the_text_parts_and_strips_html()
    {
        var picture = Convert.ToBase64String(Encoding.UTF8.GetBytes("notext inside the image"));
        var mail = "Subject: offer\nContent-Type: multipart/mixed; boundary=\"XYZ\"\n\npreamble words\n--XYZ\nContent-Type: text/plain\n\nplain part\n"
            + "--XYZ\nContent-Type: text/html; charset=us-ascii\n\n<html><head><style>p { color: red }</style><script>var x;</script></head>"
            + "<body><p>Buy&nbsp;now &amp; save</p><!-- hidden comment --></body></html>\n"
            + $"--XYZ\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\n{picture}\n--XYZ--\nepilogue words\n";
        Assert.Equal(["offer", "plain", "part", "buy", "now", "save"], EmailTokenizer.Tokens(mail));
    }

    [Fact]
    public void Malformed_encodings_do_not_throw()
    {
        // '=' inside the data is no valid base64: the body is kept as it stands.
        Assert.Equal(["s", "abc", "def", "ghij"], EmailTokenizer.Tokens("Subject: s\nContent-Transfer-Encoding: base64\n\nabc=def= ghij"));
        Assert.Equal(["s", "zz", "end"], EmailTokenizer.Tokens("Subject: s\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ end="));
        Assert.Equal(["x"], EmailTokenizer.Tokens("Subject: x\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\n--B\n--B\n"));
    }

    [Fact]
    public void Truncation_keeps_the_first_tokens_and_bad_counts_are_refused()
    {
        var mail = "Subject: one two\n\nthree four five";
        Assert.Equal(["one", "two", "three"], EmailTokenizer.Tokens(mail, maxTokens: 3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => EmailTokenizer.Tokens(mail, maxTokens: 0));
        Assert.Contains("EmailTokenizer.Tokens", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => EmailTokenizer.Tokens(null!));
    }
}
