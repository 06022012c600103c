namespace Choria.Config;

/// <summary>The loaded configuration plus every warning met while reading it.</summary>
public sealed record ConfigLoadResult(ChoriaConfig Config, IReadOnlyList<ConfigWarning> Warnings);
