using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Choria.Config;
using Choria.Ddl;
using Choria.Machine.Manifest;
using Choria.Protocol;
using Choria.Protocol.Filters;
using Choria.Protocol.Filters.Compound;
using Choria.Protocol.Filters.Expressions;
using Choria.Protocol.Lifecycle;
using Choria.Protocol.Messages;
using Choria.Security.Jwt;
using Choria.Server.Status;

namespace Choria.Fuzz;

/// <summary>
/// Something that must never happen happened: a decoder said "no" without saying why, or the fast path read an
/// input differently from the full path (docs/adr/0004). Exceptions of this type, and any exception a target does
/// not expect, are what the fuzzer reports as crashes.
/// </summary>
public sealed class FuzzFailureException(string message) : Exception(message);

/// <summary>One fuzzed entry point: a name, the code it runs on one input, and where its seed corpus comes from.</summary>
/// <param name="Seeds">Files or directories under <c>tests/fixtures</c>; a directory contributes every file in it.</param>
/// <param name="ExtraSeeds">Hand-written seeds for inputs no fixture holds on its own.</param>
public sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run, string[] Seeds, string[]? ExtraSeeds = null);

/// <summary>
/// The harnesses. Each feeds one input to a parser the way the product does and fails only on what must never
/// happen: an exception escaping a <c>Try*</c> API or a documented "returns an error" path, a refusal without a
/// reason, or the fast and full paths disagreeing. Hangs and process crashes are caught by afl-fuzz itself.
/// </summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("transport", "transport layer: fast scan, full document path, raw relay path; they must agree",
            Transport, ["wire", "protocol/messages/v1_transport_request.json", "protocol/messages/v1_transport_reply.json", "protocol/messages/v1_federation_client_request.json", "protocol/messages/v1_federation_collective_request.json", "protocol/messages/v1_federation_collective_reply.json"]),
        new("secure", "secure request and secure reply layers", Secure,
            ["protocol/messages/v1_secure_request.json", "protocol/messages/v1_secure_reply.json", "protocol/messages/v1_secure_request_privileged.json", "protocol/messages/v1_secure_request_insecure.json"]),
        new("request", "request layer (envelope, filter) and the RPC payload it carries", RequestLayer,
            ["protocol/messages/v1_request.json", "server/examples/rpc_request_body.json", "server/examples/external_rpc_request.json"]),
        new("reply", "reply layer and the RPC reply payload", ReplyLayer,
            ["protocol/messages/v1_reply.json", "server/examples/rpc_reply_ok_2020.json", "server/examples/rpc_reply_ok_modern.json", "server/examples/rpc_reply_denied_2020.json"]),
        new("decoder", "whole stack as a server and a client take it off NATS: transport, secure, request or reply", Decoder,
            ["wire", "protocol/messages/v1_transport_request.json", "protocol/messages/v1_transport_reply.json"]),
        new("filter", "a request's filter (fact, class, agent, identity regex, compound and expr) read and matched against a node", FilterMatch,
            ["server/examples/filter_expr_compound_modern.json", "server/examples/filter_legacy_compound_2020.json", "server/examples/filter_mixed.json"],
            ["""{"fact":[{"fact":"country","operator":"==","value":"mt"}],"cf_class":["/^role::/"],"agent":["rpcutil"],"identity":["/^node\\d/"],"compound":[]}""",
             """{"identity":["/(a+)+$/"],"compound":[[{"statement":"country=mt"},{"and":"and"},{"fstatement":{"name":"fact","params":"x","r_compare":"1","operator":"=="}}]]}"""]),
        new("filter-text", "command-line filter texts: fact filters, compound statements, expressions", FilterText, [],
            ["foo=/bar/", "nested.number >= 2", "country=mt and (role::web or !apache)", "with('apache') && fact('nested.inumber') >= 2",
             "semver(fact('version'), '>= 1.2.3') || identity =~ /^node/", "fstatement(\"fact('x').y\") = 1", "/^node\\d+/"]),
        new("config", "configuration file text", ConfigText, [],
            ["identity = node1.example.net\ncollectives = mcollective, other\nmain_collective = mcollective\nloglevel = debug\n",
             "plugin.choria.middleware_hosts = nats://a:4222, b:4223\nplugin.choria.security.certname_whitelist = \\.mcollective$, /^x/\nregistration_splay = true\nregisterinterval = 300\n",
             "plugin.choria.machine.store = /var/lib/choria/machines\nplugin.security.provider = file\nplugin.choria.network.client_port = 4222\nplugin.choria.status_file_path = /tmp/s.json\nrpcaudit = 1\n# comment\n  \n"]),
        new("ddl", "DDL documents: load, structural validation, normalisation", Ddl, ["server/ddl"]),
        new("ddl-input", "request data validated against every built-in DDL", DdlInput,
            ["server/examples/provision_configure_request_data.json"],
            ["""{"fact":"os.family"}""", """{"package":"zsh","version":"1.2"}""", """{"fact":1,"x":null}"""]),
        new("jwt", "provisioning JWTs: the node's unverified claims reader and the signature verifier", Jwt, ["server/provisioning"]),
        new("status", "the server status file as choria tool status reads it", Status,
            ["server/examples/status_2020.json", "server/examples/status_modern.json"]),
        new("manifest", "autonomous agent (machine) manifests", Manifest, ["server/machine", "../../examples/machines/health_check/machine.yaml", "../../examples/machines/service_keeper/machine.yaml"]),
        new("lifecycle", "lifecycle events in Choria and CloudEvents formats", Lifecycle, ["protocol/events", "server/examples/lifecycle_startup_choria.json", "server/examples/lifecycle_alive_cloudevent.json"]),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    // Everything touching the instrumented assemblies is created lazily, inside the fuzzing loop: instrumented
    // code run before SharpFuzz has mapped afl-fuzz's coverage memory crashes the process.
    private static readonly Lazy<NodeData> s_node = new(() => new(
        "node1.example.net",
        ["role::testing", "apache", "testing"],
        ["rpcutil", "choria_util", "discovery"],
        JsonDocument.Parse("""
            {"country":"mt","string":"hello world","number":1,"float":1.5,"bool":true,"version":"1.2.3",
             "nested":{"string":"nested","inumber":2,"list":["a","b"],"deep":{"x":null}},"list":[1,"2",{"a":3}]}
            """).RootElement));

    private static readonly Lazy<AgentDdl[]> s_ddls = new(() => [.. DdlLoader.BuiltinNames.Select(Builtin)]);

    private static readonly Lazy<System.Security.Cryptography.RSA> s_jwtKey = new(() =>
    {
        var rsa = System.Security.Cryptography.RSA.Create(2048);
        return rsa;
    });

    private static readonly Lazy<ConfigLoadOptions> s_configOptions = new(() => new()
    {
        Environment = new Dictionary<string, string?>(),
        HostnameProvider = () => "node1.example.net",
        FqdnResolver = _ => null,
        HomeDirectory = "/nonexistent/home",
        Role = ConfigRole.Server,
    });

    private delegate bool Decode(byte[] input, out ProtocolError? error);

    /// <summary>A refusal must carry a reason; an exception out of a Try* method fails the run by itself.</summary>
    private static void Refusal(string what, Decode decode, byte[] input)
    {
        if (!decode(input, out var error) && (error is null || string.IsNullOrWhiteSpace(error.Message)))
        {
            throw new FuzzFailureException($"{what} refused the input without a reason");
        }
    }

    private static void Transport(byte[] input)
    {
        Refusal("TransportMessage.TryParse", (byte[] b, out ProtocolError? e) => TransportMessage.TryParse(b, out _, out e), input);

        // The relay path and the header path must accept and refuse exactly like the full document path.
        var rawOk = TransportReader.TryReadRaw(input, out var rawHeaders, out var raw, out var rawError);
        var docOk = TransportReader.TryReadRawDocument(input, out var docHeaders, out var docRaw, out var docError);
        Agree("raw relay read", rawOk, rawError, docOk, docError);
        if (rawOk && !raw.Span.SequenceEqual(docRaw.Span))
        {
            throw new FuzzFailureException("raw relay read: the fast path returned other data bytes than the document path");
        }

        if (rawOk && !TransportMessage.ToUtf8Bytes(raw.Span, rawHeaders!).AsSpan().SequenceEqual(TransportMessage.ToUtf8Bytes(docRaw.Span, docHeaders!)))
        {
            throw new FuzzFailureException("raw relay read: the fast path read other headers than the document path");
        }

        var headersOk = TransportReader.TryReadHeaders(input, out _, out var headersError);
        var headersDocOk = TransportReader.TryReadHeadersDocument(input, out _, out var headersDocError);
        Agree("header read", headersOk, headersError, headersDocOk, headersDocError);

        var decodedOk = TransportReader.TryReadDecoded(input, out var headers, out var secure, out var decodedError);
        var expectedOk = TransportReader.TryReadDecodedDocument(input, out var expectedHeaders, out var expected, out var expectedError);
        using (secure)
        using (expected)
        {
            Agree("decoded read", decodedOk, decodedError, expectedOk, expectedError);
            if (decodedOk && !secure.Span.SequenceEqual(expected.Span))
            {
                throw new FuzzFailureException("decoded read: the fast path decoded other bytes than the document path");
            }

            if (decodedOk && !TransportMessage.Encode(secure.Span, headers!).AsSpan().SequenceEqual(TransportMessage.Encode(secure.Span, expectedHeaders!)))
            {
                throw new FuzzFailureException("decoded read: the fast path read other headers than the document path");
            }
        }
    }

    private static void Agree(string what, bool fastOk, ProtocolError? fast, bool fullOk, ProtocolError? full)
    {
        if (fastOk != fullOk || fast?.Reason != full?.Reason || fast?.Message != full?.Message)
        {
            throw new FuzzFailureException($"{what}: fast path ({fastOk}, {fast?.Reason}: {fast?.Message}) disagrees with the full path ({fullOk}, {full?.Reason}: {full?.Message})");
        }

        if (!fullOk && string.IsNullOrWhiteSpace(full?.Message))
        {
            throw new FuzzFailureException($"{what} refused the input without a reason");
        }
    }

    private static void Secure(byte[] input)
    {
        Refusal("SecureRequest.TryParse", (byte[] b, out ProtocolError? e) => SecureRequest.TryParse(b, out _, out e), input);
        Refusal("SecureReply.TryParse", (byte[] b, out ProtocolError? e) => SecureReply.TryParse(b, out _, out e), input);
    }

    private static void RequestLayer(byte[] input)
    {
        Refusal("Request.TryParse", (byte[] b, out ProtocolError? e) => Request.TryParse(b, out _, out e), input);
        var text = Encoding.UTF8.GetString(input);
        Refusal("Request.TryParse(string)", (byte[] ignored, out ProtocolError? e) => Request.TryParse(text, out _, out e), input);
        _ = RequestPayload.Decode(text);

        // The server's read (the scan first, ADR 0004) must give the document path's request or error. It reads a
        // signed request's message, always valid UTF-8; other bytes are refused a layer earlier, and the scan's own
        // check must decline them.
        if (!System.Text.Unicode.Utf8.IsValid(input))
        {
            if (RequestScan.TryScan(input, out _))
            {
                throw new FuzzFailureException("request read: the scan took invalid UTF-8");
            }

            return;
        }

        var fastOk = ServerRead(input, out var fast, out var fastError);
        var fullOk = Request.TryParse(input, out var full, out var fullError);
        Agree("request read", fastOk, fastError, fullOk, fullError);
        if (fastOk && !SameRequest(fast!, full!))
        {
            throw new FuzzFailureException("request read: the scan built another request than the document path");
        }
    }

    /// <summary>How a server reads the inner request: from the message of a signed request, here built around <paramref name="json"/>.</summary>
    private static bool ServerRead(byte[] json, [NotNullWhen(true)] out Request? request, [NotNullWhen(false)] out ProtocolError? error) =>
        Request.TryParseSigned(SignedRequest.From(SecureRequest.Create(Encoding.UTF8.GetString(json), "c2ln", "PEM")), out request, out error);

    // Record equality compares the filter's lists by reference; compound statements are compared by their text.
    private static bool SameRequest(Request a, Request b)
    {
        var filter = new Filter();
        Filter x = a.Envelope.Filter, y = b.Envelope.Filter;
        return a with { Envelope = a.Envelope with { Filter = filter } } == b with { Envelope = b.Envelope with { Filter = filter } }
            && x.Fact.SequenceEqual(y.Fact) && x.CfClass.SequenceEqual(y.CfClass) && x.Agent.SequenceEqual(y.Agent) && x.Identity.SequenceEqual(y.Identity)
            && x.Compound.Count == y.Compound.Count
            && x.Compound.Zip(y.Compound).All(stacks => stacks.First.Select(e => e.GetRawText()).SequenceEqual(stacks.Second.Select(e => e.GetRawText())));
    }

    private static void ReplyLayer(byte[] input)
    {
        Refusal("Reply.TryParse", (byte[] b, out ProtocolError? e) => Reply.TryParse(b, out _, out e), input);
        _ = ReplyPayload.Parse(Encoding.UTF8.GetString(input));
    }

    private static void Decoder(byte[] input)
    {
        Refusal("ProtocolDecoder.TryDecodeRequest", (byte[] b, out ProtocolError? e) => ProtocolDecoder.TryDecodeRequest(b, out _, out e), input);
        Refusal("ProtocolDecoder.TryDecodeSecureRequest", (byte[] b, out ProtocolError? e) => ProtocolDecoder.TryDecodeSecureRequest(b, out _, out e), input);
        Refusal("ProtocolDecoder.TryDecodeReply", (byte[] b, out ProtocolError? e) => ProtocolDecoder.TryDecodeReply(b, out _, out e), input);
    }

    private static readonly byte[] s_requestHead = Encoding.UTF8.GetBytes("""{"protocol":"choria:request:1","message":"{}","envelope":{"requestid":"a2f0ca717c694f2086cfa81b6c494648","senderid":"c","callerid":"choria=rip.mcollective","collective":"mcollective","agent":"rpcutil","ttl":60,"time":1578000000,"filter":""");

    private static void FilterMatch(byte[] input)
    {
        // The filter arrives inside a request: splice the input in where a server reads it from.
        var json = new byte[s_requestHead.Length + input.Length + 2];
        s_requestHead.CopyTo(json, 0);
        input.CopyTo(json, s_requestHead.Length);
        json[^2] = (byte)'}';
        json[^1] = (byte)'}';
        // A server never reads invalid UTF-8 this far (ServerRead).
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return;
        }

        if (!ServerRead(json, out var request, out var error))
        {
            if (string.IsNullOrWhiteSpace(error?.Message))
            {
                throw new FuzzFailureException("Request.TryParseSigned refused a filter without a reason");
            }

            return;
        }

        foreach (var mode in new[] { CompoundMode.Evaluate, CompoundMode.Reject })
        {
            var result = FilterMatcher.Matches(request.Envelope.Filter, s_node.Value, new FilterContext { Compound = mode });
            _ = result;
        }
    }

    private static void FilterText(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (!FactFilterParser.TryParse(text, out var fact, out var factError) && string.IsNullOrWhiteSpace(factError))
        {
            throw new FuzzFailureException("FactFilterParser.TryParse refused without a reason");
        }

        if (fact is not null)
        {
            _ = FactComparer.Matches(s_node.Value.Facts, fact, out _);
        }

        _ = FactFilterParser.SplitCombined(text);
        if (!CompoundParser.TryParse(text, out _, out var compoundError) && string.IsNullOrWhiteSpace(compoundError))
        {
            throw new FuzzFailureException("CompoundParser.TryParse refused without a reason");
        }

        _ = CompoundParser.TryParseFunction(text, out _);
        if (!ExpressionFilter.TryCompile(text, out var exprError))
        {
            if (string.IsNullOrWhiteSpace(exprError))
            {
                throw new FuzzFailureException("ExpressionFilter.TryCompile refused without a reason");
            }
        }
        else if (ExpressionFilter.Evaluate(text, s_node.Value, null, out var evalError) is null && string.IsNullOrWhiteSpace(evalError))
        {
            throw new FuzzFailureException("ExpressionFilter.Evaluate failed without a reason");
        }

        // An identity filter is a regular expression when written /re/ (docs/protocol.md).
        _ = NeedleMatcher.Matches(text, s_node.Value.Identity);
        _ = RegexCache.TryMatch(text, s_node.Value.Identity, out _);
    }

    private static void ConfigText(byte[] input)
    {
        try
        {
            _ = ConfigLoader.LoadText(Encoding.UTF8.GetString(input), "fuzz.cfg", s_configOptions.Value);
        }
        catch (ConfigException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            // The documented refusal of an invalid value.
        }
    }

    private static void Ddl(byte[] input)
    {
        var result = DdlLoader.Parse(input, "fuzz.json");
        if (!result.Success && string.IsNullOrWhiteSpace(result.Error))
        {
            throw new FuzzFailureException("DdlLoader.Parse refused without a reason");
        }

        if (result.Ddl is { } ddl)
        {
            foreach (var action in ddl.Actions)
            {
                using var empty = JsonDocument.Parse("{}");
                _ = InputValidator.ValidateRequestData(action, empty.RootElement);
            }
        }
    }

    private static AgentDdl Builtin(string name) =>
        DdlLoader.LoadBuiltin(name).Ddl ?? throw new InvalidOperationException($"the built-in DDL {name} did not load");

    private static void DdlInput(byte[] input)
    {
        // Request data reaches validation through the protocol reader, which refuses invalid UTF-8 and what is not
        // JSON; a server builds its output object from a document without repeated keys.
        JsonDocument data;
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(input))
            {
                return;
            }

            data = JsonDocument.Parse(input, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return;
        }

        using (data)
        {
            foreach (var ddl in s_ddls.Value)
            {
                foreach (var action in ddl.Actions)
                {
                    var result = InputValidator.ValidateRequestData(action, data.RootElement);
                    _ = result;
                    if (data.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        var output = System.Text.Json.Nodes.JsonNode.Parse(data.RootElement.GetRawText())!.AsObject();
                        InputValidator.SetOutputDefaults(action, output);
                    }
                }
            }

            if (data.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in data.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String)
                    {
                        var value = property.Value.GetString()!;
                        _ = InputValidator.ValidateString(value, property.Name);
                        foreach (var type in new[] { "string", "integer", "float", "number", "boolean", "hash", "array", "list" })
                        {
                            if (!InputValidator.TryConvertString(type, value, out _, out var error) && string.IsNullOrWhiteSpace(error))
                            {
                                throw new FuzzFailureException($"InputValidator.TryConvertString({type}) refused without a reason");
                            }
                        }
                    }
                }
            }
        }
    }

    private static void Jwt(byte[] input)
    {
        var token = Encoding.UTF8.GetString(input);
        try
        {
            _ = Choria.Config.Build.ProvisioningJwt.ParseAndCheck(token);
        }
        catch (FormatException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            // Documented: an unusable token is a FormatException saying why.
        }

        try
        {
            _ = CompactJwt.Verify(token, s_jwtKey.Value, DateTimeOffset.FromUnixTimeSeconds(1578000000));
        }
        catch (FormatException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
        }
    }

    private static void Status(byte[] input)
    {
        if (!StatusFileReader.TryRead(input, out _, out _, out var error) && string.IsNullOrWhiteSpace(error))
        {
            throw new FuzzFailureException("StatusFileReader.TryRead refused without a reason");
        }
    }

    private static void Manifest(byte[] input)
    {
        foreach (var strict in new[] { false, true })
        {
            try
            {
                _ = ManifestLoader.Parse(Encoding.UTF8.GetString(input), strict);
            }
            catch (ManifestException e) when (!string.IsNullOrWhiteSpace(e.Message))
            {
                // The documented refusal of a bad manifest.
            }
        }
    }

    private static void Lifecycle(byte[] input) =>
        Refusal("LifecycleEvent.TryParse", (byte[] b, out ProtocolError? e) => LifecycleEvent.TryParse(b, out _, out e), input);
}
