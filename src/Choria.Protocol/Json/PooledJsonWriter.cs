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
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Rents the thread's writer, cleared; pair with <see cref="Finish"/> on the same thread.</summary>
    public static Utf8JsonWriter Rent()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>Flushes the writer and copies what it wrote into an exactly sized array.</summary>
    public static byte[] Finish(Utf8JsonWriter writer)
    {
        writer.Flush();
        var bytes = t_buffer!.WrittenSpan.ToArray();
        TrimHuge();
        return bytes;
    }

    // One huge message must not pin megabytes per thread for ever.
    private static void TrimHuge()
    {
        if (t_buffer!.Capacity > 256 * 1024)
        {
            t_buffer = null;
            t_writer = null;
        }
    }

}
