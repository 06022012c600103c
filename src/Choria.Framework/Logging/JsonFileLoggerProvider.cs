using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Choria.Framework.Logging;

/// <summary>
/// Appends one JSON object per line (<c>{"level","msg","time","component"}</c>, the shape of go-choria's
/// logrus JSON logs) to <c>logfile</c>, so existing log shippers keep working.
/// </summary>
/// <remarks>
/// A server logs every request at info, so a line is built as UTF-8 in a per-thread buffer and handed to the file in
/// one unbuffered write: it is in the file when the call returns, as with an auto-flushed writer, without a string and
/// an encoder round trip per line (docs/performance.md).
/// </remarks>
public sealed class JsonFileLoggerProvider : ILoggerProvider
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? s_line;

    [ThreadStatic]
    private static Utf8JsonWriter? s_json;

    private readonly FileStream _file;
    private readonly Lock _lock = new();
    private bool _disposed;

    public JsonFileLoggerProvider(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, Component(categoryName));

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _file.Dispose();
        }
    }

    private static string Component(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot < 0 ? category : category[(dot + 1)..];
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "fatal",
    };

    private void Write(LogLevel level, string component, string message, Exception? exception)
    {
        var line = s_line ??= new ArrayBufferWriter<byte>(512);
        line.ResetWrittenCount();
        var json = s_json ??= new Utf8JsonWriter(line, s_writerOptions);
        json.Reset(line);

        Span<char> time = stackalloc char[40];
        TimeProvider.System.GetLocalNow().TryFormat(time, out var timeLength, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

        json.WriteStartObject();
        json.WriteString("level", LevelName(level));
        json.WriteString("msg", exception is null ? message : $"{message}: {exception.Message}");
        json.WriteString("time", time[..timeLength]);
        json.WriteString("component", component);
        json.WriteEndObject();
        json.Flush();
        line.GetSpan(1)[0] = (byte)'\n';
        line.Advance(1);

        lock (_lock)
        {
            // A message from a task still running while the host shuts down is dropped, not an exception in it.
            if (!_disposed)
            {
                _file.Write(line.WrittenSpan);
            }
        }

        // One huge message must not pin a huge buffer to this thread.
        if (line.Capacity > 64 * 1024)
        {
            s_line = null;
            s_json = null;
        }
    }

    private sealed class FileLogger(JsonFileLoggerProvider provider, string component) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, component, formatter(state, exception), exception);
            }
        }
    }
}
