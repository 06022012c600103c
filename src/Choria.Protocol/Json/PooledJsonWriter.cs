using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Choria.Protocol.Json;

/// <summary>
/// A per-thread reusable <see cref="Utf8JsonWriter"/> over a reusable buffer for the hot encode
/// paths: writing directly is several times cheaper than the serializer and its record copies.
/// Output is byte-identical to <see cref="ProtocolJson.Context"/> (same relaxed encoder).
/// </summary>
internal static class PooledJsonWriter
{
    internal static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? s_threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? s_threadWriter;

    /// <summary>Rents the thread's writer, cleared; pair with <see cref="Finish"/> on the same thread.</summary>
    public static Utf8JsonWriter Rent()
    {
        var buffer = s_threadBuffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = s_threadWriter ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>Flushes the writer and copies what it wrote into an exactly sized array.</summary>
    public static byte[] Finish(Utf8JsonWriter writer)
    {
        writer.Flush();
        var bytes = s_threadBuffer!.WrittenSpan.ToArray();
        TrimHuge();
        return bytes;
    }

    // One huge message must not pin megabytes per thread for ever.
    private static void TrimHuge()
    {
        if (s_threadBuffer!.Capacity > 256 * 1024)
        {
            s_threadBuffer = null;
            s_threadWriter = null;
        }
    }

}
