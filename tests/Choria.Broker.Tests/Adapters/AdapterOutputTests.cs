using System.Text;
using Choria.Broker.Adapters;
using Choria.Protocol.Messages;

namespace Choria.Broker.Tests.Adapters;

public sealed class AdapterOutputTests
{
    private static readonly TestClock s_clock = new(DateTimeOffset.Parse("2020-01-05T10:11:12Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Request_output_is_exactly_the_spec_document()
    {
        var request = Request.Create(new RequestSpec { Agent = "registration", Collective = "mcollective", CallerId = "choria=n1", SenderId = "n1.example.net", Message = "{\"identity\":\"n1.example.net\",\"x\":\"<&>\"}", RequestId = "a2f0ca717c694f2086cfa81b6c494648" }, s_clock);
        var secure = SecureRequest.Create(request.ToJson(), SecureRequest.Insecure, SecureRequest.Insecure);
        var payload = TransportMessage.Create(secure.ToJson(), new TransportHeaders { ReplyTo = "dev.null", McSender = "n1.example.net" }).ToUtf8Bytes();

        Assert.True(AdapterOutput.TryCreate(payload, AdapterIngestProtocol.Request, "jetstream", out var output, out var error), error?.ToString());

        Assert.Equal(
            """{"protocol":"choria:adapters:jetstream:output:1","data":"{\"identity\":\"n1.example.net\",\"x\":\"<&>\"}","sender":"n1.example.net","time":"2020-01-05T10:11:12Z","requestid":"a2f0ca717c694f2086cfa81b6c494648"}""",
            Encoding.UTF8.GetString(output!.ToUtf8Bytes()));
    }

    [Fact]
    public void Reply_output_keeps_the_message_verbatim()
    {
        var reply = Reply.Create("a2f0ca717c694f2086cfa81b6c494648", "discovery", "n2.example.net", "pong", s_clock);
        var payload = TransportMessage.Create(SecureReply.Create(reply.ToJson()).ToJson(), new TransportHeaders { McSender = "n2.example.net" }).ToUtf8Bytes();

        Assert.True(AdapterOutput.TryCreate(payload, AdapterIngestProtocol.Reply, "choria_streams", out var output, out _));

        Assert.Equal("choria:adapters:choria_streams:output:1", output!.Protocol);
        Assert.Equal("pong", output.Data);
        Assert.Equal("n2.example.net", output.Sender);
        Assert.Equal("2020-01-05T10:11:12Z", output.Time);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"!!!\",\"headers\":{}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"e30=\",\"headers\":{}}")]
    public void Malformed_payloads_yield_an_error(string payload)
    {
        Assert.False(AdapterOutput.TryCreate(Encoding.UTF8.GetBytes(payload), AdapterIngestProtocol.Request, "jetstream", out var output, out var error));
        Assert.Null(output);
        Assert.NotNull(error);
    }

}
