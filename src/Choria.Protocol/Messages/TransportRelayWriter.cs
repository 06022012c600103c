using System.Buffers;
using System.Text.Json;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>
/// One relay worker's reusable output for forwarding a transport read by <see cref="TransportReader.TryReadRaw"/>
/// with one more seen-by hop: the JSON is written straight into the worker's buffer, so relaying allocates nothing
/// per message. Not thread-safe; what <see cref="Write"/> returns is valid until its next call.
/// </summary>
public sealed class TransportRelayWriter : IDisposable
{
    private const int InitialCapacity = 4096;

    private ArrayBufferWriter<byte> _buffer = new(InitialCapacity);
    private readonly Utf8JsonWriter _writer;

    public TransportRelayWriter()
    {
        _writer = new Utf8JsonWriter(_buffer, PooledJsonWriter.Options);
    }

    /// <summary>The bytes <c>TransportMessage.ToUtf8Bytes(rawData, headers.WithSeenByHop(hop))</c> returns.</summary>
    public ReadOnlyMemory<byte> Write(ReadOnlySpan<byte> rawData, TransportHeaders headers, SeenByHop hop)
    {
        // One huge message must not pin its buffer for ever.
        if (_buffer.Capacity > 256 * 1024)
        {
            _buffer = new ArrayBufferWriter<byte>(InitialCapacity);
        }

        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        TransportMessage.WriteRelayed(_writer, rawData, headers, hop);
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _writer.Dispose();
}
