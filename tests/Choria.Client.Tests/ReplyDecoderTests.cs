using System.Text;
using Choria.Protocol.Messages;

namespace Choria.Client.Tests;

public class ReplyDecoderTests
{
    private const string RequestId = "a2f0ca717c694f2086cfa81b6c494648";

    internal static byte[] BuildReply(string sender, string body, string requestId = RequestId, bool tamper = false)
    {
        var reply = Reply.Create(requestId, "rpcutil", sender, body, TimeProvider.System);
        var secure = SecureReply.Create(reply.ToJson());
        if (tamper)
        {
            secure = secure with { Message = secure.Message.Replace("OK", "KO", StringComparison.Ordinal) };
        }

        return TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { McSender = sender }).ToUtf8Bytes();
    }

    [Fact]
    public void Valid_reply_yields_sender_and_body()
    {
        var payload = BuildReply("n1.example.net", """{"statuscode":0,"statusmsg":"OK","data":{"pong":1}}""");

        Assert.Equal(ReplyRejection.None, ReplyDecoder.TryDecode(payload, Encoding.UTF8.GetBytes(RequestId), out var reply));

        Assert.Equal("n1.example.net", reply.Sender);
        var parsed = ReplyBody.Parse(reply.Sender, reply.Body.AsSpan(0, reply.BodyLength), DateTimeOffset.UnixEpoch);
        ReplyDecoder.Return(reply.Body);
        Assert.Equal(0, parsed.StatusCode);
        Assert.Equal(1, parsed.Data.GetProperty("pong").GetInt32());
    }

    [Fact]
    public void Ruby_reply_capture_with_wrapped_base64_is_accepted()
    {
        var payload = File.ReadAllBytes(TestPaths.Fixture("wire", "02-discovery-reply.bin"));

        var result = ReplyDecoder.TryDecode(payload, "bb051564195a58efaa851f3b6471c260"u8, out var reply);

        Assert.Equal(ReplyRejection.None, result);
        Assert.Equal("node3.example.net", reply.Sender);
        Assert.Equal("\"pong\"", ReplyDecoder.BodyText(reply));
        ReplyDecoder.Return(reply.Body);
    }

    [Fact]
    public void Tampered_message_fails_the_hash_check()
    {
        var payload = BuildReply("n1", """{"statuscode":0,"statusmsg":"OK","data":{}}""", tamper: true);

        Assert.Equal(ReplyRejection.HashMismatch, ReplyDecoder.TryDecode(payload, Encoding.UTF8.GetBytes(RequestId), out _));
    }

    [Fact]
    public void Escaped_slashes_in_the_hash_are_accepted()
    {
        // Find a reply whose hash has a '/' so the escape really happens.
        var secure = Enumerable.Range(0, 100)
            .Select(i => SecureReply.Create(Reply.Create(RequestId, "rpcutil", "n1", $"\"pong{i}\"", TimeProvider.System).ToJson()))
            .First(s => s.Hash.Contains('/', StringComparison.Ordinal));
        var secureJson = Encoding.UTF8.GetBytes(secure.ToJson().Replace(secure.Hash, secure.Hash.Replace("/", "\\/", StringComparison.Ordinal), StringComparison.Ordinal));
        var payload = TransportMessage.Create(secureJson, new TransportHeaders()).ToUtf8Bytes();

        Assert.Equal(ReplyRejection.None, ReplyDecoder.TryDecode(payload, Encoding.UTF8.GetBytes(RequestId), out var decoded));
        ReplyDecoder.Return(decoded.Body);
    }

    [Fact]
    public void Reply_to_another_request_is_rejected()
    {
        var payload = BuildReply("n1", "\"pong\"", requestId: new string('b', 32));

        Assert.Equal(ReplyRejection.WrongRequest, ReplyDecoder.TryDecode(payload, Encoding.UTF8.GetBytes(RequestId), out _));
    }

    [Theory]
    [InlineData("b")]
    [InlineData("suffix")]
    [InlineData("upper")]
    [InlineData("duplicate")]
    public void Forged_reply_for_another_request_id_is_dropped_by_the_client(string forgery)
    {
        // A correctly hashed reply for another request, or for a request id that only looks like ours: the client
        // of this request must drop it (docs/security.md, "Threat model").
        var payload = forgery switch
        {
            "b" => BuildReply("n1", "\"pong\"", requestId: new string('b', 32)),
            "suffix" => BuildReply("n1", "\"pong\"", requestId: RequestId + "0"),
            "upper" => BuildReply("n1", "\"pong\"", requestId: RequestId.ToUpperInvariant()),
            _ => DuplicateRequestId(),
        };

        Assert.NotEqual(ReplyRejection.None, ReplyDecoder.TryDecode(payload, Encoding.UTF8.GetBytes(RequestId), out _));

        // Ours first, another after it: the reader must not stop at the first match.
        static byte[] DuplicateRequestId()
        {
            var json = Reply.Create(RequestId, "rpcutil", "n1", "\"pong\"", TimeProvider.System).ToJson()
                .Replace($"\"requestid\":\"{RequestId}\"", $"\"requestid\":\"{RequestId}\",\"requestid\":\"{new string('b', 32)}\"", StringComparison.Ordinal);
            return TransportMessage.Create(SecureReply.Create(json).ToUtf8Bytes(), new TransportHeaders { McSender = "n1" }).ToUtf8Bytes();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"protocol":"choria:transport:1","data":"!!!"}""")]
    [InlineData("""{"protocol":"choria:transport:1","data":"e30="}""")]
    [InlineData("""{"protocol":"other","data":"e30="}""")]
    [InlineData("[1,2,3]")]
    public void Garbage_is_rejected_without_throwing(string text)
    {
        Assert.NotEqual(ReplyRejection.None, ReplyDecoder.TryDecode(Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(RequestId), out _));
    }

    [Theory]
    // The transport is read by the protocol's reader, with the server's rules: bad headers refuse the message.
    [InlineData("""{"protocol":"choria:transport:1","data":"e30=","headers":[]}""", ReplyRejection.NotTransport)]
    [InlineData("""{"protocol":"choria:transport:1","data":"e30=","headers":{"seen-by":[1]}}""", ReplyRejection.NotTransport)]
    [InlineData("""{"protocol":"choria:transport:1","data":1}""", ReplyRejection.NotTransport)]
    [InlineData("""{"protocol":"choria:transport:1","data":"!!!"}""", ReplyRejection.InvalidBase64)]
    [InlineData("""{"protocol":"choria:transport:1","data":"e30="}""", ReplyRejection.NotSecureReply)]
    public void Transport_rejections_follow_the_protocol_reader(string text, ReplyRejection expected)
    {
        Assert.Equal(expected, ReplyDecoder.TryDecode(Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(RequestId), out _));
    }

    [Fact]
    public void Ping_reads_only_the_transport_sender()
    {
        Assert.Equal("x.example.net", ReplyDecoder.ReadSender(BuildReply("x.example.net", "\"Unknown Request: cGluZw==\"")));
        Assert.Null(ReplyDecoder.ReadSender("garbage"u8));
    }

    [Fact]
    public void Non_rpc_bodies_become_unknown_error_replies()
    {
        var reply = ReplyBody.Parse("n1", "pong"u8, DateTimeOffset.UnixEpoch);

        Assert.Equal(5, reply.StatusCode);
        Assert.Equal("pong", reply.StatusMessage);
    }
}
