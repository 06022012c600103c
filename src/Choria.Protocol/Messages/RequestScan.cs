using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;
using Choria.Protocol.Filters;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// The server's fast path for the inner <c>choria:request:1</c> (ADR 0004): one forward <see cref="Utf8JsonReader"/>
/// pass over the signed bytes that builds the <see cref="Request"/> without a document. It never rejects. It takes a
/// request only when every field the document path reads is there once, under a plain name, with the type and
/// constraint that path accepts; anything else (an escaped or repeated name, another type, a value the schema
/// refuses, a string the reader cannot turn into text) goes to <see cref="Request.TryParse(ReadOnlySpan{byte}, out Request?, out ProtocolError?)"/>,
/// which accepts or explains it. Unknown members are skipped, as the document path ignores them.
/// </summary>
internal static class RequestScan
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = ProtocolJson.MaxDepth };

    public static bool TryScan(ReadOnlySpan<byte> json, [NotNullWhen(true)] out Request? request)
    {
        request = null;
        // The document path refuses invalid UTF-8 anywhere, even in members it ignores (JsonInput).
        return json.Length <= ProtocolJson.MaxPayloadBytes && Utf8.IsValid(json) && TryScanValidUtf8(json, out request);
    }

    /// <summary>As <see cref="TryScan"/>, for bytes already known to be valid UTF-8 (<see cref="SignedRequest.Message"/>).</summary>
    public static bool TryScanValidUtf8(ReadOnlySpan<byte> json, [NotNullWhen(true)] out Request? request)
    {
        request = null;
        if (json.Length > ProtocolJson.MaxPayloadBytes)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, s_options);

            // Nothing may follow the object: Read returns false on white space and throws on another token.
            if (!TryRequest(ref reader, out var read) || reader.Read())
            {
                return false;
            }

            request = read;
            return true;
        }
        catch (JsonException)
        {
            // Malformed JSON: the document path reports it with its reason (syntax, depth).
            return false;
        }
    }

    private static int RequestKey(ref Utf8JsonReader reader) =>
        reader.ValueSpan.SequenceEqual("protocol"u8) ? 1 : reader.ValueSpan.SequenceEqual("message"u8) ? 2 : reader.ValueSpan.SequenceEqual("envelope"u8) ? 4 : 0;

    private static int EnvelopeKey(ref Utf8JsonReader reader)
    {
        var name = reader.ValueSpan;
        return name.SequenceEqual("requestid"u8) ? 1
            : name.SequenceEqual("senderid"u8) ? 2
            : name.SequenceEqual("callerid"u8) ? 4
            : name.SequenceEqual("collective"u8) ? 8
            : name.SequenceEqual("agent"u8) ? 16
            : name.SequenceEqual("ttl"u8) ? 32
            : name.SequenceEqual("time"u8) ? 64
            : name.SequenceEqual("filter"u8) ? 128
            : 0;
    }

    private static int FilterKey(ref Utf8JsonReader reader)
    {
        var name = reader.ValueSpan;
        return name.SequenceEqual("fact"u8) ? 1
            : name.SequenceEqual("cf_class"u8) ? 2
            : name.SequenceEqual("agent"u8) ? 4
            : name.SequenceEqual("identity"u8) ? 8
            : name.SequenceEqual("compound"u8) ? 16
            : 0;
    }

    private static int FactKey(ref Utf8JsonReader reader) =>
        reader.ValueSpan.SequenceEqual("fact"u8) ? 1 : reader.ValueSpan.SequenceEqual("operator"u8) ? 2 : reader.ValueSpan.SequenceEqual("value"u8) ? 4 : 0;

    private static bool TryRequest(ref Utf8JsonReader reader, [NotNullWhen(true)] out Request? request)
    {
        request = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? message = null;
        RequestEnvelope? envelope = null;
        var seen = 0;
        int key;
        while ((key = JsonMembers.Next(ref reader, ref seen, RequestKey)) > 0)
        {
            var ok = key switch
            {
                // An escaped protocol is valid but never sent; the document path reads it.
                1 => reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.SequenceEqual(Protocols.RequestV1Utf8),
                2 => TryString(ref reader, out message) && message.Length > 0,
                _ => TryEnvelope(ref reader, out envelope),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (key < 0 || seen != 7)
        {
            return false;
        }

        request = new Request(envelope!) { Message = message! };
        return true;
    }

    private static bool TryEnvelope(ref Utf8JsonReader reader, [NotNullWhen(true)] out RequestEnvelope? envelope)
    {
        envelope = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? requestId = null, senderId = null, callerId = null, collective = null, agent = null;
        long ttl = 0, time = 0;
        Filter? filter = null;
        var seen = 0;
        int key;
        while ((key = JsonMembers.Next(ref reader, ref seen, EnvelopeKey)) > 0)
        {
            var ok = key switch
            {
                1 => TryString(ref reader, out requestId) && IsRequestId(requestId),
                2 => TryString(ref reader, out senderId),
                4 => TryString(ref reader, out callerId) && callerId.Length > 0,
                8 => TryString(ref reader, out collective) && collective.Length > 0,
                16 => TryString(ref reader, out agent) && agent.Length > 0,
                32 => TryInteger(ref reader, out ttl) && ttl >= Request.MinimumTtl,
                64 => TryInteger(ref reader, out time),
                _ => TryFilter(ref reader, out filter),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (key < 0 || seen != 255)
        {
            return false;
        }

        envelope = new RequestEnvelope(filter!)
        {
            RequestId = requestId!,
            SenderId = senderId!,
            CallerId = callerId!,
            Collective = collective!,
            Agent = agent!,
            Ttl = ttl,
            Time = time,
        };
        return true;
    }

    /// <summary>
    /// The schema counts code points; without surrogates that is the UTF-16 length. An id with them (never sent) is
    /// left to the document path's count.
    /// </summary>
    private static bool IsRequestId(string text) =>
        text.Length == Request.RequestIdLength && !text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF');

    private static bool TryFilter(ref Utf8JsonReader reader, [NotNullWhen(true)] out Filter? filter)
    {
        filter = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        List<FactFilter>? facts = null;
        List<string>? cfClass = null, agent = null, identity = null;
        List<List<JsonElement>>? compound = null;
        var seen = 0;
        int key;
        while ((key = JsonMembers.Next(ref reader, ref seen, FilterKey)) > 0)
        {
            var ok = key switch
            {
                1 => TryFacts(ref reader, out facts),
                2 => TryStrings(ref reader, out cfClass),
                4 => TryStrings(ref reader, out agent),
                8 => TryStrings(ref reader, out identity),
                _ => TryCompound(ref reader, out compound),
            };
            if (!ok)
            {
                return false;
            }
        }

        // Only agent may be absent (FilterReader).
        if (key < 0 || (seen & 0b11011) != 0b11011)
        {
            return false;
        }

        filter = new Filter(facts!, cfClass!, agent ?? [], identity!, compound!);
        return true;
    }

    private static bool TryFacts(ref Utf8JsonReader reader, [NotNullWhen(true)] out List<FactFilter>? facts)
    {
        facts = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var items = new List<FactFilter>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? fact = null, op = null, value = null;
            var seen = 0;
            int key;
            while ((key = JsonMembers.Next(ref reader, ref seen, FactKey)) > 0)
            {
                var ok = key switch
                {
                    1 => TryString(ref reader, out fact) && fact.Length > 0,
                    2 => TryString(ref reader, out op) && FilterReader.Operators.Contains(op),
                    _ => TryString(ref reader, out value) && value.Length > 0,
                };
                if (!ok)
                {
                    return false;
                }
            }

            if (key < 0 || seen != 7)
            {
                return false;
            }

            items.Add(new FactFilter { Fact = fact!, Operator = op!, Value = value! });
        }

        facts = items;
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool TryCompound(ref Utf8JsonReader reader, [NotNullWhen(true)] out List<List<JsonElement>>? compound)
    {
        compound = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var stacks = new List<List<JsonElement>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            var statements = new List<JsonElement>();
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                // Its own small document, as the document path's clone: the statement outlives the request bytes.
                var statement = JsonElement.ParseValue(ref reader);
                if (!JsonStrings.IsReadable(statement))
                {
                    return false;
                }

                statements.Add(statement);
            }

            if (reader.TokenType != JsonTokenType.EndArray)
            {
                return false;
            }

            stacks.Add(statements);
        }

        compound = stacks;
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool TryStrings(ref Utf8JsonReader reader, [NotNullWhen(true)] out List<string>? strings)
    {
        strings = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            if (!TryString(ref reader, out var item))
            {
                return false;
            }

            items.Add(item);
        }

        strings = items;
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool TryInteger(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value);
    }

    /// <summary>A string value as text; false for another type, or an escape the document path cannot read either.</summary>
    private static bool TryString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
