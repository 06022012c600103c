using System.Buffers;
using System.Text;

namespace Choria.Protocol.Json;

/// <summary>UTF-8 of a string in a pooled buffer, for hashing or parsing without a garbage array.</summary>
internal readonly struct Utf8Text : IDisposable
{
    private readonly byte[] _buffer;
    private readonly int _length;

    private Utf8Text(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    public static Utf8Text Encode(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        return new Utf8Text(buffer, Encoding.UTF8.GetBytes(text, buffer));
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}
