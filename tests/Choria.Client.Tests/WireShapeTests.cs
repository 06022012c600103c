using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Protocol.Filters;
using Choria.Protocol.Subjects;
using Choria.Security.Dev;

namespace Choria.Client.Tests;

/// <summary>Our requests have exactly the key sets of the real client's requests in the wire captures.</summary>
public sealed class WireShapeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("choria-client-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Capture(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("wire", name + ".decoded.json")));
        return doc.RootElement.Clone();
    }

    private static string[] Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    /// <summary>Keys as they appear on the wire.</summary>
    private static string[] Ordered(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    private static (JsonElement Transport, JsonElement Secure, JsonElement Inner) Decode(OutgoingRequest request)
    {
        var transport = JsonDocument.Parse(request.Bytes).RootElement;
        var secure = JsonDocument.Parse(Convert.FromBase64String(transport.GetProperty("data").GetString()!)).RootElement;
        var inner = JsonDocument.Parse(secure.GetProperty("message").GetString()!).RootElement;
        return (transport, secure, inner);
    }

    [Theory]
    [InlineData("01-discovery-request-broadcast")]
    [InlineData("19-rpc-request-direct-class-identity-regex")]
    public void Signed_request_layers_have_the_captured_key_sets(string capture)
    {
        using var ca = DevCertificateAuthority.Create(_dir);
        var cert = ca.IssueCertificate("rip.mcollective", ["rip.mcollective"], _dir);
        var security = new Choria.Security.FileSecurityProvider(
            new Choria.Security.FileSecurityOptions { Certificate = cert.CertificatePath, Key = cert.PrivateKeyPath, Ca = cert.CaPath, Identity = "rip.mcollective" },
            Choria.Security.SystemSecurityEnvironment.Instance);
        var factory = new RequestFactory("rip.mcollective", "choria=rip.mcollective", security, insecure: false);
        var wire = Capture(capture);

        var request = factory.Build("rpcutil", factory.RpcPayload("rpcutil", "ping", null), "mcollective", new Filter(), "nats://127.0.0.1:4222");
        var (transport, secure, inner) = Decode(request);

        Assert.Equal(Keys(wire.GetProperty("transport")), Keys(transport));
        // seen-by is Go's hop record (docs/protocol.md); Ruby omits it, everything else matches.
        Assert.Equal(Keys(wire.GetProperty("transport").GetProperty("headers")), Keys(transport.GetProperty("headers")).Where(k => k != "seen-by"));
        Assert.Equal(["mc_sender", "reply-to", "seen-by"], Keys(transport.GetProperty("headers")));
        Assert.Equal(["message", "protocol", "pubcert", "signature"], Keys(secure));
        Assert.Equal(Keys(wire.GetProperty("inner")), Keys(inner));
        Assert.Equal(Keys(wire.GetProperty("inner").GetProperty("envelope")), Keys(inner.GetProperty("envelope")));
        Assert.Equal(["agent", "cf_class", "compound", "fact", "identity"], Keys(inner.GetProperty("envelope").GetProperty("filter")));

        // Key order, where Go and the captured Ruby client agree.
        Assert.Equal(Ordered(wire.GetProperty("secure")), Ordered(secure));
        Assert.Equal(Ordered(wire.GetProperty("inner")), Ordered(inner));
        Assert.Equal(Ordered(wire.GetProperty("inner").GetProperty("envelope").GetProperty("filter")), Ordered(inner.GetProperty("envelope").GetProperty("filter")));

        // Where they differ we emit Go's order as docs/protocol.md prescribe (2.10: servers never depend
        // on it); the key sets above still equal Ruby's. Ruby: transport data after headers, filter 4th in the envelope.
        Assert.Equal(["protocol", "data", "headers"], Ordered(transport));
        Assert.Equal(["reply-to", "mc_sender", "seen-by"], Ordered(transport.GetProperty("headers")));
        Assert.Equal(["requestid", "senderid", "callerid", "collective", "agent", "ttl", "time", "filter"], Ordered(inner.GetProperty("envelope")));
        using var x509 = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(secure.GetProperty("pubcert").GetString()!);
        using var rsa = System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPublicKey(x509)!;
        Assert.True(rsa.VerifyData(
            Encoding.UTF8.GetBytes(secure.GetProperty("message").GetString()!),
            Convert.FromBase64String(secure.GetProperty("signature").GetString()!),
            System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Rpc_payload_matches_the_ruby_client_body()
    {
        var factory = new RequestFactory("rip.mcollective", "choria=rip.mcollective", null, insecure: true);
        var wire = Capture("17-rpc-request-direct-compound-filter").GetProperty("body");

        using var ours = JsonDocument.Parse(factory.RpcPayload("rpcutil", "ping", null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(wire.GetRawText()), JsonNode.Parse(ours.RootElement.GetRawText())));
        Assert.Equal(Keys(wire), Keys(ours.RootElement));
    }

    [Fact]
    public void Rpc_payload_carries_typed_inputs_before_process_results()
    {
        var factory = new RequestFactory("c", "choria=c", null, insecure: true);

        var text = factory.RpcPayload("rpcutil", "get_fact", new JsonObject { ["fact"] = "role", ["n"] = 3 });

        Assert.Equal("""{"agent":"rpcutil","action":"get_fact","caller":"choria=c","data":{"fact":"role","n":3,"process_results":true}}""", text);
    }

    [Fact]
    public void Discovery_payload_is_the_quoted_ping_and_replies_go_to_the_head_subject()
    {
        var factory = new RequestFactory("client.example.net", "choria=bob.mcollective", null, insecure: true);

        var request = factory.Build("discovery", RequestFactory.PingPayload, "mcollective", new Filter(), null);
        var (transport, secure, inner) = Decode(request);

        Assert.Equal("\"ping\"", inner.GetProperty("message").GetString());
        Assert.Equal(ChoriaSubjects.ReplyForCaller("mcollective", "choria=bob.mcollective", request.RequestId), request.ReplySubject);
        Assert.Equal(request.ReplySubject, transport.GetProperty("headers").GetProperty("reply-to").GetString());
        Assert.Equal("client.example.net", transport.GetProperty("headers").GetProperty("mc_sender").GetString());
        Assert.Equal("insecure", secure.GetProperty("signature").GetString());
        Assert.False(transport.GetProperty("headers").TryGetProperty("seen-by", out _));
    }

    [Theory]
    [InlineData("09-discovery-request-fact-filter")]
    [InlineData("10-rpc-request-broadcast-get-fact-fact-filter")]
    public void Fact_filter_entries_have_the_captured_shape(string capture)
    {
        var wire = Capture(capture).GetProperty("inner").GetProperty("envelope").GetProperty("filter");
        var builder = new FilterBuilder();
        Assert.True(builder.TryAddFact("role=db", out _));
        builder.AddAgent("rpcutil");
        var factory = new RequestFactory("c", "choria=c", null, insecure: true);

        var (_, _, inner) = Decode(factory.Build("rpcutil", "{}", "mcollective", builder.Build(), null));
        var ours = inner.GetProperty("envelope").GetProperty("filter");

        var wireFact = Assert.Single(wire.GetProperty("fact").EnumerateArray().ToArray());
        var ourFact = Assert.Single(ours.GetProperty("fact").EnumerateArray().ToArray());
        Assert.Equal(Keys(wireFact), Keys(ourFact));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(wireFact.GetRawText()), JsonNode.Parse(ourFact.GetRawText())));
        // Ruby writes fact, value, operator; docs/protocol.md has Go's fact, operator, value (2.10: order never matters).
        Assert.Equal(["fact", "operator", "value"], Ordered(ourFact));
        // Capture 09 is Ruby discovery, which adds "collective" to the filter (docs/protocol.md); otherwise identical.
        Assert.Equal(Ordered(wire).Where(k => k != "collective"), Ordered(ours));
        foreach (var key in new[] { "cf_class", "agent", "identity", "compound" })
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(wire.GetProperty(key).GetRawText()), JsonNode.Parse(ours.GetProperty(key).GetRawText())), key);
        }
    }

    [Fact]
    public void Direct_request_filter_matches_capture_19_class_and_identity_regex()
    {
        var wire = Capture("19-rpc-request-direct-class-identity-regex").GetProperty("inner").GetProperty("envelope").GetProperty("filter");
        var user = new FilterBuilder().AddClass("role::db").AddIdentity("/node1[0-9]?\\./").Build();
        var factory = new RequestFactory("c", "choria=c", null, insecure: true);

        // What RequestAsync sends on direct requests: the user filter plus the agent.
        var (_, _, inner) = Decode(factory.Build("rpcutil", "{}", "mcollective", ChoriaClient.WithAgentFilter(user, "rpcutil"), null));
        var ours = inner.GetProperty("envelope").GetProperty("filter");

        Assert.Equal(Ordered(wire), Ordered(ours));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(wire.GetRawText()), JsonNode.Parse(ours.GetRawText())), ours.GetRawText());
    }

    [Fact]
    public void Compound_filter_has_the_captured_call_stack_shape()
    {
        var wire = Capture("17-rpc-request-direct-compound-filter").GetProperty("inner").GetProperty("envelope").GetProperty("filter").GetProperty("compound");
        var builder = new FilterBuilder();
        Assert.True(builder.TryAddCompound("role=web and hostname=node4", out _));
        var factory = new RequestFactory("c", "choria=c", null, insecure: true);

        var (_, _, inner) = Decode(factory.Build("rpcutil", "{}", "mcollective", builder.Build(), null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(wire.GetRawText()), JsonNode.Parse(inner.GetProperty("envelope").GetProperty("filter").GetProperty("compound").GetRawText())));
    }
}
