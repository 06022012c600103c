using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Choria.Protocol.Messages;
using Choria.Security;
using Choria.Security.Dev;

namespace Choria.Benchmarks;

/// <summary>
/// Issue 2 micro-benchmarks: the per-message protocol and security costs of one request/reply,
/// measured next to raw RSA-2048 sign/verify on the same key so the ratios say how much the
/// protocol layers add on top of the unavoidable crypto.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ProtocolBenchmarks
{
    // A realistic rpcutil ping: small agent payload, reply body of the size a Go server sends.
    private const string PingRequestBody = "{\"action\":\"ping\",\"data\":{}}";
    private const string PingReplyBody = "{\"statuscode\":0,\"statusmsg\":\"OK\",\"data\":{\"pong\":1578000000}}";

    private string _dir = "";
    private DevCertificateAuthority? _ca;
    private FileSecurityProvider? _client;
    private FileSecurityProvider? _server;
    private RSA? _rawKey;
    private RSA? _rawPublic;
    private string _pubCert = "";
    private byte[] _requestPayload = [];
    private byte[] _replyPayload = [];
    private byte[] _signedData = [];
    private byte[] _rawSignature = [];
    private Request? _request;
    private SignedRequest? _secure;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "choria-bench-" + Guid.NewGuid().ToString("N"));
        _ca = DevCertificateAuthority.Create(Path.Combine(_dir, "ca"));
        var clientSsl = _ca.IssueCertificate("rip.mcollective", [], Path.Combine(_dir, "client"));
        var serverSsl = _ca.IssueCertificate("server1.example.net", [], Path.Combine(_dir, "server"));
        _client = Provider(clientSsl, "client-cache");
        _server = Provider(serverSsl, "server-cache");
        _pubCert = _client.PublicCertPem;

        _requestPayload = EncodeRequest();
        if (!ProtocolDecoder.TryDecodeRequest(_requestPayload, out var decoded, out var error))
        {
            throw new InvalidOperationException("own request does not decode: " + error);
        }

        _request = decoded.Request;
        _secure = decoded.Secure;

        // First verification caches the client certificate; the benchmark measures the steady state.
        var first = _server.VerifySecureRequest(decoded.Secure.Message, decoded.Secure.Signature, decoded.Secure.PubCert, _request.Envelope.CallerId);
        if (!first.Valid)
        {
            throw new InvalidOperationException("own request does not verify: " + first.Message);
        }

        _replyPayload = EncodeReply();

        _rawKey = RSA.Create();
        _rawKey.ImportFromPem(File.ReadAllText(clientSsl.PrivateKeyPath));
        _rawPublic = RSA.Create();
        _rawPublic.ImportParameters(_rawKey.ExportParameters(false));
        _signedData = decoded.Secure.Message.ToArray();
        _rawSignature = _rawKey.SignData(_signedData, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawKey?.Dispose();
        _rawPublic?.Dispose();
        _ca?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "raw RSA-2048 SignData")]
    public byte[] RawSign() => _rawKey!.SignData(_signedData, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Description = "raw RSA-2048 VerifyData")]
    public bool RawVerify() => _rawPublic!.VerifyData(_signedData, _rawSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Description = "request sign+encode")]
    public byte[] RequestSignEncode() => EncodeRequest();

    // What a server does with each request (RequestPipeline): all three layers, then the signature over the very bytes.
    [Benchmark(Description = "request decode+verify (cached cert)")]
    public Request RequestDecodeVerify()
    {
        if (!ProtocolDecoder.TryDecodeRequest(_requestPayload, out var decoded, out _))
        {
            throw new InvalidOperationException("decode failed");
        }

        var secure = decoded.Secure;
        var verification = _server!.VerifySecureRequest(secure.Message, secure.Signature, secure.PubCert, decoded.Request.Envelope.CallerId);
        if (!verification.Valid)
        {
            throw new InvalidOperationException("verify failed: " + verification.Message);
        }

        return decoded.Request;
    }

    // The two halves of decode+verify, to see where the time beyond the RSA verify goes.
    [Benchmark(Description = "request decode only (3 layers, no verify)")]
    public Request RequestDecodeOnly()
    {
        if (!ProtocolDecoder.TryDecodeRequest(_requestPayload, out var decoded, out _))
        {
            throw new InvalidOperationException("decode failed");
        }

        return decoded.Request;
    }

    [Benchmark(Description = "VerifySecureRequest only (cached cert)")]
    public bool VerifyOnly() =>
        _server!.VerifySecureRequest(_secure!.Message, _secure.Signature, _secure.PubCert, _request!.Envelope.CallerId).Valid;

    [Benchmark(Description = "reply encode")]
    public byte[] ReplyEncode() => EncodeReply();

    [Benchmark(Description = "reply decode+hash check")]
    public Reply ReplyDecode()
    {
        if (!ProtocolDecoder.TryDecodeReply(_replyPayload, out var decoded, out _) || !decoded.Secure.IsHashValid())
        {
            throw new InvalidOperationException("reply decode failed");
        }

        return decoded.Reply;
    }

    private byte[] EncodeRequest()
    {
        var request = Request.Create(new RequestSpec
        {
            Agent = "rpcutil",
            Collective = "mcollective",
            CallerId = "choria=rip.mcollective",
            SenderId = "rip.mcollective",
            Message = PingRequestBody,
        }, TimeProvider.System);
        var json = request.ToUtf8Bytes();
        var signature = _client!.SignToBase64(json);
        var secure = SecureRequest.Create(Encoding.UTF8.GetString(json), signature, _pubCert);
        var headers = new TransportHeaders { ReplyTo = "_INBOX.0123456789abcdef", McSender = "rip.mcollective" };
        return TransportMessage.Create(secure.ToUtf8Bytes(), headers).ToUtf8Bytes();
    }

    private byte[] EncodeReply()
    {
        var reply = Reply.Create(_request!, "server1.example.net", PingReplyBody, TimeProvider.System);
        var secure = SecureReply.Create(reply.ToJson());
        return TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { McSender = "server1.example.net" }).ToUtf8Bytes();
    }

    private FileSecurityProvider Provider(IssuedCertificate ssl, string cache) => new(
        new FileSecurityOptions
        {
            Certificate = ssl.CertificatePath,
            Key = ssl.PrivateKeyPath,
            Ca = ssl.CaPath,
            CacheDirectory = Path.Combine(_dir, cache),
            Identity = ssl.Certname,
        },
        new FixedEnvironment());

    /// <summary>Makes the certname rules fall through to the configured identity whoever runs the benchmark.</summary>
    private sealed class FixedEnvironment : ISecurityEnvironment
    {
        public string? GetVariable(string name) => null;

        public bool IsRoot => true;

        public bool IsWindows => false;

        public string? HomeDirectory => null;
    }
}
