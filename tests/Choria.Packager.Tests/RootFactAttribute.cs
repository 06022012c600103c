namespace Choria.Packager.Tests;

/// <summary>A test that installs packages into the real filesystem with dpkg: it needs root (CI runs as root).</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "needs root: dpkg -i installs the package into the real filesystem (CI runs the suite as root)";
        }
    }
}
