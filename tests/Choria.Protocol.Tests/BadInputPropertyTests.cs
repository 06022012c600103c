using System.Text;
using System.Text.Json.Nodes;
using Choria.Protocol.Lifecycle;
using Choria.Protocol.Messages;
using CsCheck;

namespace Choria.Protocol.Tests;

/// <summary>Every decoder must turn hostile input into a typed error, never an exception.</summary>
public class BadInputPropertyTests
{
    private const long Iterations = 1000;

    private delegate bool Decoder(byte[] input, out ProtocolError? error);

    private static readonly (string Name, Decoder Decode)[] s_decoders =
    [
        ("transport", (byte[] b, out ProtocolError? e) => TransportMessage.TryParse(b, out _, out e)),
        ("transport raw", (byte[] b, out ProtocolError? e) => TransportReader.TryReadRaw(b, out _, out _, out e)),
        ("secure request", (byte[] b, out ProtocolError? e) => SecureRequest.TryParse(b, out _, out e)),
        ("secure reply", (byte[] b, out ProtocolError? e) => SecureReply.TryParse(b, out _, out e)),
        ("request", (byte[] b, out ProtocolError? e) => Request.TryParse(b, out _, out e)),
        ("request text", (byte[] b, out ProtocolError? e) => Request.TryParse(Encoding.UTF8.GetString(b), out _, out e)),
        ("reply", (byte[] b, out ProtocolError? e) => Reply.TryParse(b, out _, out e)),
        ("decode request", (byte[] b, out ProtocolError? e) => ProtocolDecoder.TryDecodeRequest(b, out _, out e)),
        ("decode reply", (byte[] b, out ProtocolError? e) => ProtocolDecoder.TryDecodeReply(b, out _, out e)),
        ("lifecycle", (byte[] b, out ProtocolError? e) => LifecycleEvent.TryParse(b, out _, out e)),
    ];

    private static readonly string[] s_validFixtures =
    [
        "v1_transport_request.json", "v1_transport_reply.json", "v1_secure_request.json", "v1_secure_reply.json",
        "v1_request.json", "v1_reply.json", "v1_federation_collective_reply.json",
    ];

    private static void AllDecodersSurvive(byte[] input)
    {
        foreach (var (name, decode) in s_decoders)
        {
            bool ok;
            ProtocolError? error;
            try
            {
                ok = decode(input, out error);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{name} threw on {input.Length} bytes", e);
            }

            if (!ok && (error is null || string.IsNullOrWhiteSpace(error.Message)))
            {
                throw new InvalidOperationException($"{name} failed without a typed error");
            }
        }

        RawTransportAgreesWithTransport(input);

        // Payload helpers must survive too.
        var text = Encoding.UTF8.GetString(input);
        _ = RequestPayload.Decode(text);
        _ = ReplyPayload.Parse(text);
    }

    /// <summary>
    /// The federation broker relays with <see cref="TransportReader.TryReadRaw"/> and re-encodes the raw
    /// data token, so it must accept exactly what <see cref="TransportMessage.TryParse"/> accepts and what
    /// it forwards must decode to the same message.
    /// </summary>
    private static void RawTransportAgreesWithTransport(byte[] input)
    {
        // The reader tries its fast path first; whatever that takes must be read exactly as the full path reads it.
        if (TransportReader.TryScan(input, out _, out _))
        {
            TransportReaderTests.AssertScannedLikeDocument(input);
        }
        else
        {
            TransportReaderTests.AssertDecodedLikeDocument(input);
        }

        var ok = TransportMessage.TryParse(input, out var parsed, out var error);
        var rawOk = TransportReader.TryReadRaw(input, out var headers, out var rawData, out var rawError);
        if (ok != rawOk)
        {
            throw new InvalidOperationException($"transport accepted={ok} ({error?.Message}) but transport raw accepted={rawOk} ({rawError?.Message})");
        }

        if (!ok)
        {
            if (error!.Reason != rawError!.Reason)
            {
                throw new InvalidOperationException($"transport failed with {error.Reason} but transport raw with {rawError.Reason}");
            }

            return;
        }

        var relayed = TransportMessage.ToUtf8Bytes(rawData.Span, headers!);
        if (!TransportMessage.TryParse(relayed, out var reparsed, out var reparseError))
        {
            throw new InvalidOperationException($"relayed transport does not parse: {reparseError.Message}");
        }

        // Headers have no equality of their own; their encoding stands in for them.
        if (reparsed.Data != parsed!.Data || !relayed.AsSpan().SequenceEqual(TransportMessage.ToUtf8Bytes(rawData.Span, reparsed.Headers)))
        {
            throw new InvalidOperationException("relayed transport decodes to a different message");
        }
    }

    [Theory]
    [InlineData(@"""\ud800""")]
    [InlineData(@"""\udc00abcd""")]
    [InlineData(@"""\u0000""")]
    [InlineData(@"""e30=\n""")]
    [InlineData(@"""e3\/0=""")]
    [InlineData(@"""""")]
    [InlineData(@"""\""")]
    [InlineData("1")]
    [InlineData("null")]
    public void Awkward_transport_data_tokens_are_decoded_alike_by_both_transport_decoders(string dataToken)
    {
        var json = "{\"protocol\":\"choria:transport:1\",\"data\":" + dataToken + ",\"headers\":{\"mc_sender\":\"n1\"}}";
        AllDecodersSurvive(Encoding.UTF8.GetBytes(json));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        Gen.Byte.Array[0, 4096].Sample(AllDecodersSurvive, iter: Iterations);
    }

    [Fact]
    public void Truncated_and_bit_flipped_valid_messages_never_throw()
    {
        var fixtures = s_validFixtures.Select(TestPaths.MessageBytes).ToArray();
        var gen = from f in Gen.Int[0, fixtures.Length - 1]
                  from cut in Gen.Int[0, 100_000]
                  from flips in Gen.Int[0, int.MaxValue].Array[0, 8]
                  from values in Gen.Byte.Array[8]
                  select (f, cut, flips, values);
        gen.Sample(t =>
        {
            var source = fixtures[t.f];
            var bytes = source.AsSpan(0, t.cut % (source.Length + 1)).ToArray();
            for (var i = 0; i < t.flips.Length && bytes.Length > 0; i++)
            {
                bytes[t.flips[i] % bytes.Length] = t.values[i];
            }

            AllDecodersSurvive(bytes);
        }, iter: Iterations);
    }

    [Fact]
    public void Wrong_json_types_in_every_field_give_typed_errors()
    {
        JsonNode?[] replacements = [null, 1, 1.5, true, "", "x", new JsonArray(), new JsonObject(), new JsonArray(JsonValue.Create(1))];
        foreach (var fixture in s_validFixtures)
        {
            var root = JsonNode.Parse(TestPaths.Message(fixture))!;
            foreach (var path in Paths(root, ""))
            {
                foreach (var replacement in replacements)
                {
                    var copy = root.DeepClone();
                    Replace(copy, path, replacement?.DeepClone());
                    AllDecodersSurvive(Encoding.UTF8.GetBytes(copy.ToJsonString()));
                }
            }
        }
    }

    [Fact]
    public void Wrong_types_in_required_request_fields_are_rejected()
    {
        var root = JsonNode.Parse(TestPaths.Message("v1_request.json"))!;
        foreach (var field in new[] { "requestid", "senderid", "callerid", "collective", "agent", "ttl", "time", "filter" })
        {
            foreach (JsonNode? replacement in new JsonNode?[] { null, true, new JsonArray(), field is "ttl" or "time" ? "60" : 5 })
            {
                var copy = root.DeepClone();
                copy["envelope"]![field] = replacement?.DeepClone();
                Assert.False(Request.TryParse(copy.ToJsonString(), out _, out var error), $"{field}={replacement?.ToJsonString() ?? "null"}");
                Assert.Equal(ProtocolErrorReason.WrongType, error.Reason);
            }
        }
    }

    [Fact]
    public void Deep_nesting_is_rejected_with_its_own_reason()
    {
        var deep = Encoding.UTF8.GetBytes("{\"a\":" + new string('[', 100_000) + new string(']', 100_000) + "}");
        foreach (var (name, decode) in s_decoders)
        {
            Assert.False(decode(deep, out var error), name);
            Assert.Equal(ProtocolErrorReason.TooDeeplyNested, error!.Reason);
        }

        var unbalanced = Encoding.UTF8.GetBytes(new string('[', 200));
        Assert.False(TransportMessage.TryParse(unbalanced, out _, out var e2));
        Assert.Equal(ProtocolErrorReason.TooDeeplyNested, e2.Reason);
        Assert.False(TransportMessage.TryParse("[[[]"u8, out _, out e2));
        Assert.Equal(ProtocolErrorReason.InvalidJson, e2.Reason);
    }

    [Fact]
    public void Oversized_payloads_are_rejected_with_a_reason()
    {
        var valid = TestPaths.Message("v1_transport_request.json");
        var node = JsonNode.Parse(valid)!;
        node["headers"]!["mc_sender"] = new string('x', 1024 * 1024);
        var big = Encoding.UTF8.GetBytes(node.ToJsonString());
        foreach (var (name, decode) in s_decoders)
        {
            Assert.False(decode(big, out var error), name);
            Assert.Equal(ProtocolErrorReason.PayloadTooLarge, error!.Reason);
        }
    }

    [Fact]
    public void Invalid_utf8_inside_strings_is_a_typed_error()
    {
        byte[] bad = [.. "{\"protocol\":\"choria:secure:request:1\",\"message\":\""u8, 0xC3, 0x28, .. "\",\"signature\":\"s\",\"pubcert\":\"p\"}"u8];
        foreach (var (name, decode) in s_decoders)
        {
            Assert.False(decode(bad, out var error), name);
            Assert.NotNull(error);
        }
    }

    [Fact]
    public void Non_object_documents_are_rejected()
    {
        foreach (var json in new[] { "[]", "1", "\"s\"", "null", "true" })
        {
            Assert.False(TransportMessage.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
            Assert.Equal(ProtocolErrorReason.NotAnObject, error.Reason);
        }
    }

    private static IEnumerable<string> Paths(JsonNode node, string prefix)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                var path = prefix + "/" + key;
                yield return path;
                if (value is not null)
                {
                    foreach (var inner in Paths(value, path))
                    {
                        yield return inner;
                    }
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                var path = prefix + "/" + i;
                yield return path;
                if (array[i] is { } value)
                {
                    foreach (var inner in Paths(value, path))
                    {
                        yield return inner;
                    }
                }
            }
        }
    }

    private static void Replace(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = parent is JsonArray a ? a[int.Parse(part)]! : parent[part]!;
        }

        if (parent is JsonArray array)
        {
            array[int.Parse(parts[^1])] = value;
        }
        else
        {
            parent[parts[^1]] = value;
        }
    }
}
