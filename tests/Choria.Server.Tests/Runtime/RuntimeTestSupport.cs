using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Security;
using Choria.Server.Runtime;

namespace Choria.Server.Tests.Runtime;

internal sealed class TestSecurityEnvironment : ISecurityEnvironment
{
    public bool IsRoot => true;

    public bool IsWindows => false;

    public string? HomeDirectory => "/home/test";

    public string? GetVariable(string name) => null;
}

internal sealed class RecordingPublisher : IReplyPublisher
{
    public ConcurrentQueue<(string Subject, byte[] Data)> Published { get; } = new();

    public string ConnectedServer => "nats://broker.example.net:4222";

    public ValueTask<bool> PublishAsync(string subject, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Published.Enqueue((subject, data.ToArray()));
        return ValueTask.FromResult(true);
    }
}

internal static class Fixtures
{
    /// <summary>Time of the protocol fixture PKI (its certificates are valid then).</summary>
    public const long PkiTime = 1578000000;

    public static string Wire(string name) => TestPaths.Fixture("wire", name);

    public static byte[] WireBytes(string name) => File.ReadAllBytes(Wire(name));

    /// <summary>The envelope <c>time</c> of a request capture, so it can be decoded "at its own time".</summary>
    public static long WireTime(string name)
    {
        Assert.True(RequestPipeline.TryDecode(WireBytes(name), out var received, out var drop), drop?.Message);
        return received!.Request.Envelope.Time;
    }

    public static string Good(string relative) => TestPaths.Fixture("protocol", "ssl", "good", relative);

    /// <summary>A file provider; <paramref name="certname"/> must exist in the good fixture PKI when it signs.</summary>
    public static FileSecurityProvider Provider(string cache, TimeProvider clock, string ca, string certname = "rip.mcollective") =>
        new(new FileSecurityOptions
        {
            Certificate = Good($"certs/{certname}.pem"),
            Key = Good($"private_keys/{certname}.pem"),
            Ca = ca,
            CacheDirectory = cache,
            Identity = certname,
            Policy = new SecurityPolicyOptions(),
        }, new TestSecurityEnvironment(), clock);

    /// <summary>A request signed by rip.mcollective of the good fixture PKI, wrapped in a transport.</summary>
    public static byte[] SignedRequest(ISecurityProvider signer, TimeProvider clock, string agent, string message, Filter? filter = null, string collective = "mcollective", string? replyTo = "mcollective.reply.rip.1", TransportHeaders? headers = null)
    {
        var request = Request.Create(new RequestSpec
        {
            Agent = agent,
            Collective = collective,
            CallerId = signer.CallerId,
            SenderId = "rip.mcollective",
            Message = message,
            Filter = filter,
        }, clock);
        var json = request.ToJson();
        var secure = SecureRequest.Create(json, signer.SignToBase64(Encoding.UTF8.GetBytes(json)), signer.PublicCertPem);
        return TransportMessage.Create(secure.ToUtf8Bytes(), headers ?? new TransportHeaders { ReplyTo = replyTo, McSender = "rip.mcollective" }).ToUtf8Bytes();
    }

    public static JsonElement Facts(string json) => JsonDocument.Parse(json).RootElement.Clone();
}

internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "choria-rt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
