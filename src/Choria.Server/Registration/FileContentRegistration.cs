using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Choria.Server.Registration;

/// <summary>One registration payload to publish; <see cref="Target"/> empty means the registration agent.</summary>
internal sealed record RegistrationItem(byte[] Data, string Target);

/// <summary>Outcome of <see cref="FileContentRegistration.Poll"/>: an item, or a failure with a human reason.</summary>
internal sealed record RegistrationPollResult(RegistrationItem? Item, RegistrationFailure? Failure, string? Reason)
{
    public bool Success => Item is not null;
}

/// <summary>
/// The 2020 <c>file_content</c> registration plugin (docs/server.md): publishes a file's bytes, base64 or gzip+base64,
/// with its mtime and whether it changed since the previous poll.
/// </summary>
internal sealed class FileContentRegistration
{
    public const string Protocol = "choria:registration:filecontent:1";

    private readonly FileContentOptions _options;
    private readonly Lock _lock = new();
    private long? _previousMtime;

    public FileContentRegistration(FileContentOptions options) => _options = options;

    /// <summary>Reads the file and builds the message; failures are returned with a reason (the publisher logs and counts them), never thrown.</summary>
    public RegistrationPollResult Poll()
    {
        var path = _options.DataFile;
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Fail(RegistrationFailure.DataFileMissing, $"could not find data file {path}");
        }

        if (info.Length == 0)
        {
            return Fail(RegistrationFailure.DataFileEmpty, $"data file {path} is empty");
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(RegistrationFailure.DataFileUnreadable, $"could not read data file {path}: {e.Message}");
        }

        var mtime = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds();
        bool updated;
        lock (_lock)
        {
            // The first poll adopts the mtime so a fleet restart does not look like a mass update.
            updated = _previousMtime is { } previous && mtime > previous;
            if (_previousMtime is null || mtime > _previousMtime)
            {
                _previousMtime = mtime;
            }
        }

        var message = new FileContentMessage { Mtime = mtime, File = path, Updated = updated };
        message = _options.Compression
            ? message with { ZContent = Convert.ToBase64String(Gzip(content)) }
            : message with { Content = Convert.ToBase64String(content) };

        var json = JsonSerializer.SerializeToUtf8Bytes(message, RegistrationJsonContext.Relaxed.FileContentMessage);
        return new RegistrationPollResult(new RegistrationItem(json, _options.Target), null, null);
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private static RegistrationPollResult Fail(RegistrationFailure failure, string reason) =>
        new(null, failure, reason);
}

/// <summary>The 5.2 message; field order is the order go-choria emits.</summary>
internal sealed record FileContentMessage
{
    [JsonPropertyName("mtime")]
    public long Mtime { get; init; }

    [JsonPropertyName("file")]
    public string File { get; init; } = "";

    [JsonPropertyName("updated")]
    public bool Updated { get; init; }

    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = FileContentRegistration.Protocol;

    [JsonPropertyName("content")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Content { get; init; }

    [JsonPropertyName("zcontent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ZContent { get; init; }
}

[JsonSerializable(typeof(FileContentMessage))]
internal sealed partial class RegistrationJsonContext : JsonSerializerContext
{
    /// <summary>Base64 '+' must not become \u002B: consumers compare the text, and Go does not escape it.</summary>
    public static RegistrationJsonContext Relaxed { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
