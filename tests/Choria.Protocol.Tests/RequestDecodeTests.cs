using System.Text;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

/// <summary>
/// The decoder checks UTF-8 once per layer it reads from the wire: the transport payload, then the secure request's
/// unescaped fields. Neither the transport's strings nor the inner request are checked again (ADR 0004), so bad text
/// anywhere must still be refused by the whole decode, at the layer that carries it.
/// </summary>
public class RequestDecodeTests
{
    private static readonly Request s_inner = Request.Create(
        new RequestSpec { Agent = "rpcutil", CallerId = "choria=rip.mcollective", Collective = "mcollective", Message = "{\"action\":\"ping\",\"data\":{}}", SenderId = "client" },
        TimeProvider.System);

    [Fact]
    public void A_request_as_clients_send_it_decodes()
    {
        Assert.True(ProtocolDecoder.TryDecodeRequest(Payload(SecureJson(s_inner.ToJson())), out var decoded, out var error, out var failed), error?.Message);
        Assert.Equal(RequestLayer.None, failed);
        Assert.Equal(s_inner.ToUtf8Bytes(), decoded.Request.ToUtf8Bytes());
    }

    [Theory]
    // Invalid UTF-8 in the signed message, at the start, inside a block and near the end.
    [InlineData(0)]
    [InlineData(21)]
    [InlineData(-3)]
    public void Invalid_utf8_in_the_message_is_refused(int at)
    {
        var secure = Encoding.UTF8.GetBytes(SecureJson(s_inner.ToJson()));
        var message = Encoding.UTF8.GetBytes("\"message\":\"");
        var start = secure.AsSpan().IndexOf(message) + message.Length;
        var end = secure.AsSpan(start).IndexOf("\",\"signature\""u8) + start;
        secure[at >= 0 ? start + at : end + at] = 0xff;

        AssertRefused(Payload(secure), RequestLayer.SecureRequest, ProtocolErrorReason.InvalidJson);
    }

    [Theory]
    // Escapes of the secure request's JSON that give no text: the layer that unescapes them refuses them.
    [InlineData("\\ud800")]
    [InlineData("\\udc00x")]
    [InlineData("\\x")]
    [InlineData("\\u12G4")]
    [InlineData("\t")]
    public void Bad_escapes_in_the_message_are_refused(string bad)
    {
        var secure = Encoding.UTF8.GetBytes(SecureJson(s_inner.ToJson()).Replace("rpcutil", "rpc" + bad + "util", StringComparison.Ordinal));
        Assert.False(SecureRequest.TryParse(secure, out _, out var expected));

        AssertRefused(Payload(secure), RequestLayer.SecureRequest, expected.Reason);
    }

    [Theory]
    // Escapes of the inner request's own JSON, which only the inner request's readers unescape.
    [InlineData("\\\\ud800")]
    [InlineData("\\\\x")]
    public void Bad_escapes_in_the_inner_request_are_refused(string bad)
    {
        var secure = SecureJson(s_inner.ToJson()).Replace("choria=rip.mcollective", "choria=rip" + bad, StringComparison.Ordinal);
        Assert.True(SecureRequest.TryParse(Encoding.UTF8.GetBytes(secure), out _, out var error), error?.Message);

        Assert.False(ProtocolDecoder.TryDecodeRequest(Payload(Encoding.UTF8.GetBytes(secure)), out _, out error, out var failed));
        Assert.Equal(RequestLayer.Request, failed);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("\"reply-to\":\"")]
    [InlineData("\"data\":\"")]
    public void Invalid_utf8_in_the_transport_is_refused(string before)
    {
        var payload = Payload(Encoding.UTF8.GetBytes(SecureJson(s_inner.ToJson())));
        var at = payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes(before));
        Assert.True(at >= 0, before);
        payload[at + before.Length + 2] = 0xff;

        AssertRefused(payload, RequestLayer.Transport, ProtocolErrorReason.InvalidJson);
    }

    private static string SecureJson(string message) => SecureRequest.Create(message, "c2ln", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").ToJson();

    private static byte[] Payload(string secureJson) => Payload(Encoding.UTF8.GetBytes(secureJson));

    private static byte[] Payload(byte[] secureJson) =>
        TransportMessage.Create(secureJson, new TransportHeaders { ReplyTo = "_INBOX.x", McSender = "client" }).ToUtf8Bytes();

    private static void AssertRefused(byte[] payload, RequestLayer layer, ProtocolErrorReason reason)
    {
        Assert.False(ProtocolDecoder.TryDecodeRequest(payload, out _, out var error, out var failed));
        Assert.Equal(layer, failed);
        Assert.Equal(reason, error.Reason);
    }
}
