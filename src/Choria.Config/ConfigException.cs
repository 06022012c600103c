namespace Choria.Config;

/// <summary>An invalid configuration value or an unreadable main configuration file.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? File { get; init; }

    public int Line { get; init; }

    public string? Key { get; init; }

    public string? Value { get; init; }
}
