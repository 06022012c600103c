using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Unicode;
using System.Text;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// The signed fields of a received <c>choria:secure:request:1</c> (docs/protocol.md) as unescaped UTF-8: the form the
/// signature check and the inner request's parser read. A server used to hold them as strings, which cost three
/// UTF-16 copies, and then turned <see cref="Message"/> back into UTF-8 twice (to verify it and to parse it).
/// </summary>
public sealed class SignedRequest
{
    // One array per request: message, then signature, then pubcert.
    private readonly byte[] _buffer;
    private readonly int _messageLength;
    private readonly int _signatureLength;
    private readonly int _pubCertLength;

    private SignedRequest(byte[] buffer, int messageLength, int signatureLength, int pubCertLength)
    {
        _buffer = buffer;
        _messageLength = messageLength;
        _signatureLength = signatureLength;
        _pubCertLength = pubCertLength;
    }

    /// <summary>
    /// The request JSON exactly as signed; always valid UTF-8, as are the other fields: the scan checks what it
    /// unescaped, and the full parse's strings are encoded with replacement.
    /// </summary>
    public ReadOnlySpan<byte> Message => _buffer.AsSpan(0, _messageLength);

    /// <summary>The <c>signature</c> field's base64 text.</summary>
    public ReadOnlySpan<byte> Signature => _buffer.AsSpan(_messageLength, _signatureLength);

    /// <summary>The <c>pubcert</c> field: PEM of the caller's certificate.</summary>
    public ReadOnlySpan<byte> PubCert => _buffer.AsSpan(_messageLength + _signatureLength, _pubCertLength);

    internal ReadOnlyMemory<byte> MessageMemory => _buffer.AsMemory(0, _messageLength);

    /// <summary>The same fields as strings, for code that builds or relays a secure request.</summary>
    public SecureRequest ToSecureRequest() => SecureRequest.Create(
        Encoding.UTF8.GetString(Message), Encoding.UTF8.GetString(Signature), Encoding.UTF8.GetString(PubCert));

    /// <summary>Reads a secure request: the scan below when it can decide, otherwise the full parse and its errors.</summary>
    internal static bool TryParse(ReadOnlyMemory<byte> secureJson, [NotNullWhen(true)] out SignedRequest? signed, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (TryScan(secureJson.Span, out signed))
        {
            error = null;
            return true;
        }

        if (!SecureRequest.TryParseInPlace(secureJson, out var secure, out error))
        {
            return false;
        }

        signed = From(secure);
        return true;
    }

    internal static SignedRequest From(SecureRequest secure)
    {
        var message = Encoding.UTF8.GetByteCount(secure.Message);
        var signature = Encoding.UTF8.GetByteCount(secure.Signature);
        var buffer = new byte[message + signature + Encoding.UTF8.GetByteCount(secure.PubCert)];
        Encoding.UTF8.GetBytes(secure.Message, buffer);
        Encoding.UTF8.GetBytes(secure.Signature, buffer.AsSpan(message));
        var pubCert = Encoding.UTF8.GetBytes(secure.PubCert, buffer.AsSpan(message + signature));
        return new SignedRequest(buffer, message, signature, pubCert);
    }

    /// <summary>
    /// The common shape only (ADR 0004): one object with exactly the four fields, plain names, each value a non-empty
    /// string, the right protocol, nothing after it. Anything else (an extra or repeated field, another type, an
    /// escaped name, invalid JSON or UTF-8) is left to the full parse, which accepts or explains it, so this scan
    /// never accepts what that parse would refuse.
    /// </summary>
    /// <remarks>
    /// Written out instead of using <see cref="Utf8JsonReader"/>: the reader walks a string byte by byte from its first
    /// escape on, and every message (<c>\"</c>) and certificate (<c>\n</c>) has one near its start, which made reading
    /// the three fields cost as much as the rest of the request's decoding together.
    /// </remarks>
    internal static bool TryScan(ReadOnlySpan<byte> json, [NotNullWhen(true)] out SignedRequest? signed)
    {
        signed = null;
        if (json.Length > ProtocolJson.MaxPayloadBytes)
        {
            return false;
        }

        // Unescaped text is never longer than its escaped form; only what was written is ever read.
        var buffer = GC.AllocateUninitializedArray<byte>(json.Length);
        Span<int> offsets = stackalloc int[3];
        Span<int> lengths = [-1, -1, -1];
        var protocol = false;
        var written = 0;
        var at = SkipWhitespace(json, 0);
        if (!Expect(json, ref at, (byte)'{'))
        {
            return false;
        }

        while (true)
        {
            if (!TryReadName(json, ref at, out var name) || !Expect(json, ref at, (byte)':'))
            {
                return false;
            }

            var field = name.SequenceEqual("message"u8) ? 0
                : name.SequenceEqual("signature"u8) ? 1
                : name.SequenceEqual("pubcert"u8) ? 2
                : name.SequenceEqual("protocol"u8) ? 3
                : -1;
            if (field == 3)
            {
                if (protocol || !TryUnescape(json, ref at, buffer.AsSpan(written), out var length) || !buffer.AsSpan(written, length).SequenceEqual(Protocols.SecureRequestV1Utf8))
                {
                    return false;
                }

                protocol = true;
            }
            else
            {
                if (field < 0 || lengths[field] >= 0 || !TryUnescape(json, ref at, buffer.AsSpan(written), out var length) || length == 0)
                {
                    return false;
                }

                offsets[field] = written;
                lengths[field] = length;
                written += length;
            }

            at = SkipWhitespace(json, at);
            if (at < json.Length && json[at] == (byte)',')
            {
                at++;
                continue;
            }

            if (!Expect(json, ref at, (byte)'}'))
            {
                return false;
            }

            break;
        }

        if (SkipWhitespace(json, at) != json.Length || !protocol || lengths.Contains(-1) || !Utf8.IsValid(buffer.AsSpan(0, written)))
        {
            return false;
        }

        signed = Arrange(buffer, offsets, lengths[0], lengths[1], lengths[2]);
        return true;
    }

    // What ends a run of plain string bytes: the closing quote, an escape, or a control character JSON forbids.
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create([(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            at++;
        }

        return at;
    }

    /// <summary>Skips white space, then consumes <paramref name="token"/>.</summary>
    private static bool Expect(ReadOnlySpan<byte> json, ref int at, byte token)
    {
        at = SkipWhitespace(json, at);
        if (at >= json.Length || json[at] != token)
        {
            return false;
        }

        at++;
        return true;
    }

    /// <summary>A property name without escapes.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> json, ref int at, out ReadOnlySpan<byte> name)
    {
        name = default;
        if (!Expect(json, ref at, (byte)'"'))
        {
            return false;
        }

        var end = json[at..].IndexOfAny(s_stringStops);
        if (end < 0 || json[at + end] != (byte)'"')
        {
            return false;
        }

        name = json.Slice(at, end);
        at += end + 1;
        return true;
    }

    /// <summary>Reads a string value into <paramref name="destination"/>, unescaped; false for anything but valid escapes.</summary>
    /// <remarks>
    /// A request's message escapes every quote of its JSON, a few bytes apart, and searching for each escape, then
    /// copying the run before it, made this the dearest step of decoding a request. So the text is taken in blocks of
    /// 32 bytes: a block is copied whole, one compare finds all its stops, and after an escape the rest of the block is
    /// copied again from there, while the next stop comes from the same compare (ADR 0004). Copies may write past what
    /// the value ends up holding; <paramref name="destination"/> has room, as unescaping never grows text, and only
    /// what was written is read. Positions are locals, not the ref parameters, so the loop keeps them in registers.
    /// </remarks>
    private static bool TryUnescape(ReadOnlySpan<byte> json, ref int at, Span<byte> destination, out int written)
    {
        written = 0;
        if (!Expect(json, ref at, (byte)'"'))
        {
            return false;
        }

        var position = at;
        var count = 0;

        // What the last stop took: the length of an escape, 0 for the closing quote, -1 for anything invalid.
        var consumed = 1;
        while (consumed > 0)
        {
            if (position + Block > json.Length || count + Block > destination.Length)
            {
                // The tail, shorter than a block: search, copy, then the stop.
                var run = json[position..].IndexOfAny(s_stringStops);
                if (run < 0)
                {
                    return false;
                }

                json.Slice(position, run).CopyTo(destination[count..]);
                position += run;
                count += run;
                consumed = UnescapeStop(json, position, destination[count..], out var produced);
                if (consumed > 0)
                {
                    position += consumed;
                    count += produced;
                }

                continue;
            }

            var blockStart = position;
            json.Slice(position, Block).CopyTo(destination[count..]);
            var stops = StopLanes(json.Slice(position, Block));
            while (true)
            {
                if (stops == 0)
                {
                    // The last copy, of the block or from the last escape on, wrote the rest of the block.
                    count += blockStart + Block - position;
                    position = blockStart + Block;
                    break;
                }

                var stop = blockStart + BitOperations.TrailingZeroCount(stops);
                count += stop - position;
                position = stop;
                consumed = UnescapeStop(json, position, destination[count..], out var produced);
                if (consumed <= 0)
                {
                    break;
                }

                position += consumed;
                count += produced;
                var lane = position - blockStart;
                if (lane >= Block || position + Block > json.Length || count + Block > destination.Length)
                {
                    // The escape ran to the block's end, or too near the text's: go on from a new block or the tail.
                    break;
                }

                json.Slice(position, Block).CopyTo(destination[count..]);
                stops &= uint.MaxValue << lane;
            }
        }

        at = position + 1;
        written = count;
        return consumed == 0;
    }

    // Two 16-byte vectors: the width every SIMD target has (SSE2, NEON), and a 32-bit mask of stops.
    private const int Block = 32;

    /// <summary>A bit for each byte of the <see cref="Block"/> bytes that ends a plain run: a quote, a backslash, a control character.</summary>
    private static uint StopLanes(ReadOnlySpan<byte> block) =>
        StopLanes(Vector128.Create(block)) | (StopLanes(Vector128.Create(block[Vector128<byte>.Count..])) << Vector128<byte>.Count);

    private static uint StopLanes(Vector128<byte> half) =>
        (Vector128.Equals(half, Vector128.Create((byte)'"'))
            | Vector128.Equals(half, Vector128.Create((byte)'\\'))
            | Vector128.LessThan(half, Vector128.Create((byte)' '))).ExtractMostSignificantBits();

    /// <summary>
    /// Handles the string stop at <paramref name="position"/>: 0 for the closing quote, otherwise the number of bytes
    /// of the escape, its text written to <paramref name="destination"/>; -1 for a control character or a bad escape.
    /// </summary>
    private static int UnescapeStop(ReadOnlySpan<byte> json, int position, Span<byte> destination, out int produced)
    {
        produced = 0;
        var stop = json[position];
        if (stop == (byte)'"')
        {
            return 0;
        }

        if (stop != (byte)'\\' || position + 1 >= json.Length)
        {
            return -1;
        }

        var escaped = json[position + 1];
        byte plain = escaped switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'/' => (byte)'/',
            (byte)'b' => (byte)'\b',
            (byte)'f' => (byte)'\f',
            (byte)'n' => (byte)'\n',
            (byte)'r' => (byte)'\r',
            (byte)'t' => (byte)'\t',
            _ => 0,
        };
        if (plain != 0)
        {
            destination[0] = plain;
            produced = 1;
            return 2;
        }

        var codePoint = escaped == (byte)'u' ? ReadCodePoint(json, position) : -1;
        if (codePoint < 0)
        {
            return -1;
        }

        produced = new Rune(codePoint).EncodeToUtf8(destination);

        // A pair of escapes stands for a code point beyond the basic plane.
        return codePoint > char.MaxValue ? 12 : 6;
    }

    /// <summary>
    /// The code point of the <c>\uXXXX</c> escape at <paramref name="position"/>, or of a surrogate pair of two; -1 for a
    /// malformed escape or a lone surrogate, which is left to the full parse.
    /// </summary>
    private static int ReadCodePoint(ReadOnlySpan<byte> json, int position)
    {
        if (!TryReadHex(json, position, out var first))
        {
            return -1;
        }

        if (!char.IsSurrogate((char)first))
        {
            return first;
        }

        var next = position + 6;
        if (!char.IsHighSurrogate((char)first) || next + 1 >= json.Length || json[next] != (byte)'\\' || json[next + 1] != (byte)'u'
            || !TryReadHex(json, next, out var second) || !char.IsLowSurrogate((char)second))
        {
            return -1;
        }

        return char.ConvertToUtf32((char)first, (char)second);
    }

    /// <summary>The four hex digits after the <c>\u</c> at <paramref name="position"/>.</summary>
    private static bool TryReadHex(ReadOnlySpan<byte> json, int position, out int value)
    {
        value = 0;
        if (position + 6 > json.Length)
        {
            return false;
        }

        foreach (var digit in json.Slice(position + 2, 4))
        {
            var nibble = digit switch
            {
                >= (byte)'0' and <= (byte)'9' => digit - '0',
                >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
                _ => -1,
            };
            if (nibble < 0)
            {
                return false;
            }

            value = (value << 4) | nibble;
        }

        return true;
    }

    private static SignedRequest Arrange(byte[] scanned, ReadOnlySpan<int> offsets, int message, int signature, int pubCert)
    {
        if (offsets[0] == 0 && offsets[1] == message && offsets[2] == message + signature)
        {
            return new SignedRequest(scanned, message, signature, pubCert);
        }

        var buffer = new byte[message + signature + pubCert];
        scanned.AsSpan(offsets[0], message).CopyTo(buffer);
        scanned.AsSpan(offsets[1], signature).CopyTo(buffer.AsSpan(message));
        scanned.AsSpan(offsets[2], pubCert).CopyTo(buffer.AsSpan(message + signature));
        return new SignedRequest(buffer, message, signature, pubCert);
    }
}
