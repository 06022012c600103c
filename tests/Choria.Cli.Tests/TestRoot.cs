namespace Choria.Cli.Tests;

/// <summary>Finds <c>shared/</c> next to (or above) the repository root.</summary>
internal static class TestRoot
{
    public static string Shared { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Choria.slnx")))
        {
            dir = dir.Parent;
        }

        for (var d = dir?.Parent; d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, "shared", "fixtures")))
            {
                return Path.Combine(d.FullName, "shared");
            }
        }

        throw new InvalidOperationException("shared/fixtures not found");
    }
}
