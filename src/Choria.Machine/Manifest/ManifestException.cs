namespace Choria.Machine.Manifest;

/// <summary>A manifest that cannot be loaded; <see cref="Errors"/> holds every problem found, each naming its field.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException()
    {
        Errors = [];
    }

    public ManifestException(string message)
        : base(message)
    {
        Errors = [message];
    }

    public ManifestException(string message, Exception inner)
        : base(message, inner)
    {
        Errors = [message];
    }

    public ManifestException(string machine, IReadOnlyList<string> errors)
        : base($"invalid machine {machine}: {string.Join("; ", errors)}")
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}
