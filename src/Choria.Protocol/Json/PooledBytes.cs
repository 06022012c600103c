using System.Buffers;
using System.Text;

namespace Choria.Protocol.Json;

/// <summary>Bytes in a pooled buffer (e.g. the UTF-8 of a string), for hashing or parsing without a garbage array.</summary>
public readonly struct PooledBytes : IDisposable
{
    private readonly byte[] _buffer;
    private readonly int _length;

    private PooledBytes(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>Takes ownership of <paramref name="rented"/>, which must come from the shared pool.</summary>
    internal static PooledBytes Own(byte[] rented, int length) => new(rented, length);

    internal static PooledBytes Encode(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        return new PooledBytes(buffer, Encoding.UTF8.GetBytes(text, buffer));
    }

    public void Dispose()
    {
        // default (what a failed Try* leaves) owns nothing.
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
