using System.Text;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

/// <summary>
/// A server reads the signed fields with a scan (ADR 0004): it must take the secure requests real peers send, give
/// exactly the bytes the full parse gives, and leave everything else to the full parse, which accepts or explains it.
/// </summary>
public class SignedRequestTests
{
    private const string Protocol = "\"protocol\":\"choria:secure:request:1\"";
    private const string Message = "\"message\":\"{\\\"a\\\":\\\"\\u00e9 \\/ \\\\\\\"\\\"}\"";
    private const string Signature = "\"signature\":\"c2ln\"";
    private const string PubCert = "\"pubcert\":\"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n\"";

    public static TheoryData<string> RequestCaptures()
    {
        var data = new TheoryData<string>();
        foreach (var name in Directory.GetFiles(TestPaths.Fixture("wire"), "*.bin").Order(StringComparer.Ordinal).Select(Path.GetFileNameWithoutExtension))
        {
            if (SecureJson(File.ReadAllBytes(TestPaths.Fixture("wire", name + ".bin"))).Contains("choria:secure:request:1", StringComparison.Ordinal))
            {
                data.Add(name!);
            }
        }

        return data;
    }

    [Fact]
    public void There_are_request_captures() => Assert.NotEmpty(RequestCaptures());

    [Theory]
    [MemberData(nameof(RequestCaptures))]
    public void Real_secure_requests_are_scanned_like_the_full_parse(string name) =>
        AssertScannedLikeFullParse(SecureJson(File.ReadAllBytes(TestPaths.Fixture("wire", name + ".bin"))));

    [Theory]
    [InlineData("{" + Protocol + "," + Message + "," + Signature + "," + PubCert + "}")]
    [InlineData(" {" + PubCert + "," + Signature + "," + Message + "," + Protocol + "}\n")]
    [InlineData("{" + Message + "," + Protocol + "," + PubCert + "," + Signature + "}")]
    [InlineData("{\"protocol\":\"choria:secure:request:1\",\"message\":\"x\",\"signature\":\"\\u0063\",\"pubcert\":\"日本\"}")]
    [InlineData("{\"protocol\":\"choria:secure:request:1\",\"message\":\"\\b\\f\\n\\r\\t\\u0000\\u00FF\\ud83d\\ude00 x\",\"signature\":\"s\",\"pubcert\":\"p\"}")]
    [InlineData("{\"protocol\":\"choria:secure:\\u0072equest:1\",\"message\":\"m\",\"signature\":\"s\",\"pubcert\":\"p\"}")]
    public void Valid_secure_requests_it_can_read_are_scanned(string json) => AssertScannedLikeFullParse(json);

    [Theory]
    // Valid, but not the common shape: the full parse reads them.
    [InlineData("{\"protocol\":\"choria:secure:request:1\",\"mess\\u0061ge\":\"x\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + "," + Message + "," + Signature + "," + PubCert + ",\"extra\":1}")]
    [InlineData("{" + Protocol + "," + Message + "," + Message + "," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + "," + Protocol + "," + Message + "," + Signature + "," + PubCert + "}")]
    // Invalid: the scan declines and the full parse gives the typed error.
    [InlineData("{\"protocol\":\"choria:secure:request:2\"," + Message + "," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Message + "," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":\"\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":1," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + "," + Message + ",\"signature\":null," + PubCert + "}")]
    [InlineData("{" + Protocol + "," + Message + "," + Signature + "}")]
    [InlineData("{" + Protocol + "," + Message + "," + Signature + "," + PubCert + "} {}")]
    [InlineData("{" + Protocol + "," + Message + "," + Signature + "," + PubCert + ",}")]
    [InlineData("{" + Protocol + "," + Message + "," + Signature + "," + PubCert)]
    [InlineData("{" + Protocol + ",\"message\":\"\\ud800\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":\"\\udc00x\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":\"\\u12G4\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":\"\\x\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":\"a\tb\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\":\"abc\\\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + ",\"message\" \"m\"," + Signature + "," + PubCert + "}")]
    [InlineData("{" + Protocol + " " + Message + "," + Signature + "," + PubCert + "}")]
    [InlineData("[" + Protocol + "]")]
    [InlineData("\"x\"")]
    [InlineData("")]
    public void Other_secure_requests_are_left_to_the_full_parse(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.False(SignedRequest.TryScan(utf8, out _));
        AssertReadLikeFullParse(utf8);
    }

    [Fact]
    public void Mutated_secure_requests_are_read_like_the_full_parse()
    {
        // Single-byte changes of a valid request with every kind of escape: each must give the full parse's answer.
        var valid = Encoding.UTF8.GetBytes("{" + Protocol + "," + Message + ",\"signature\":\"\\u00e9\\ud83d\\ude00\\t\"," + PubCert + "}");
        AssertScannedLikeFullParse(Encoding.UTF8.GetString(valid));
        var random = new Random(2512);
        byte[] interesting = [.. "\"\\/{}[],: \tu0aAfFdD8\n"u8, 0x00, 0x1f, 0x7f, 0xc3, 0xa9, 0xed, 0xff];
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var changes = random.Next(1, 4); changes > 0; changes--)
            {
                mutated[random.Next(mutated.Length)] = interesting[random.Next(interesting.Length)];
            }

            AssertReadLikeFullParse(mutated);
        }
    }

    [Fact]
    public void Every_kind_of_stop_is_read_at_every_place_in_a_block()
    {
        // The scan copies 32 bytes at a time and then looks for the stops in them (ADR 0004): a stop, valid or not, in
        // any lane of a block, or in the shorter tail after the last whole block, must give the full parse's answer.
        string[] valid = ["\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\ud83d\\ude00", "é", "日"];
        string[] invalid = ["\\ud800", "\\x", "\\u12G4", "\t", "\u001f"];
        foreach (var stop in valid.Concat(invalid))
        {
            for (var before = 0; before < 40; before++)
            {
                foreach (var after in new[] { 0, 1, 15, 16, 17, 33 })
                {
                    var value = new string('a', before) + stop + new string('b', after);
                    var json = "{" + Protocol + ",\"message\":\"" + value + "\"," + Signature + ",\"pubcert\":\"" + value + "\"}";
                    if (valid.Contains(stop))
                    {
                        AssertScannedLikeFullParse(json);
                    }
                    else
                    {
                        Assert.False(SignedRequest.TryScan(Encoding.UTF8.GetBytes(json), out _), json);
                        AssertReadLikeFullParse(Encoding.UTF8.GetBytes(json));
                    }
                }
            }
        }
    }

    [Fact]
    public void Invalid_utf8_in_a_field_is_left_to_the_full_parse()
    {
        var utf8 = Encoding.UTF8.GetBytes("{" + Protocol + ",\"message\":\"xx\"," + Signature + "," + PubCert + "}");
        utf8[Array.IndexOf(utf8, (byte)'x')] = 0xff;
        Assert.False(SignedRequest.TryScan(utf8, out _));
        Assert.False(SignedRequest.TryParse(utf8, out _, out var error));
        Assert.Equal(ProtocolErrorReason.InvalidJson, error.Reason);
    }

    [Fact]
    public void The_decoded_request_is_parsed_from_the_signed_bytes()
    {
        var inner = Request.Create(new RequestSpec { Agent = "rpcutil", CallerId = "choria=rip.mcollective", Collective = "mcollective", Message = "cGluZw==", SenderId = "client" }, TimeProvider.System);
        var secure = SecureRequest.Create(inner.ToJson(), "c2ln", "PEM");
        var payload = TransportMessage.Create(secure.ToJson(), new TransportHeaders { McSender = "client" }).ToUtf8Bytes();

        Assert.True(ProtocolDecoder.TryDecodeRequest(payload, out var decoded, out var error), error?.Message);
        Assert.Equal(inner.ToUtf8Bytes(), decoded.Secure.Message.ToArray());
        Assert.Equal(inner.Envelope.RequestId, decoded.Request.Envelope.RequestId);
        Assert.Equal(secure, decoded.Secure.ToSecureRequest());
    }

    private static void AssertScannedLikeFullParse(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.True(SignedRequest.TryScan(utf8, out var scanned), "the scan declined a secure request it should read");
        Assert.True(SecureRequest.TryParse(utf8, out var expected, out var error), error?.Message);
        Assert.Equal(expected, scanned.ToSecureRequest());
        Assert.Equal(Encoding.UTF8.GetBytes(expected.Message), scanned.Message.ToArray());
        AssertReadLikeFullParse(utf8);
    }

    /// <summary>The decoder's entry point (scan first) gives what the full parse gives: the same fields, or the same error.</summary>
    private static void AssertReadLikeFullParse(byte[] utf8)
    {
        var ok = SignedRequest.TryParse(utf8, out var signed, out var error);
        var expectedOk = SecureRequest.TryParse(utf8, out var expected, out var expectedError);
        Assert.Equal(expectedOk, ok);
        Assert.Equal(expectedError?.Reason, error?.Reason);
        Assert.Equal(expectedError?.Message, error?.Message);
        if (ok)
        {
            Assert.Equal(expected, signed!.ToSecureRequest());
        }
    }

    private static string SecureJson(byte[] transport)
    {
        Assert.True(TransportMessage.TryParse(transport, out var parsed, out var error), error?.Message);
        Assert.True(parsed.TryDecodeData(out var secure, out error), error?.Message);
        return Encoding.UTF8.GetString(secure);
    }
}
