using Choria.Packager;

// choria-packager: builds the binaries and rpm/deb packages of one build of packager/buildspec.yaml
// (docs/packaging.md). Options and the 2020 environment variables are interchangeable; options win.
const string Usage = """
    usage: choria-packager [--build NAME] [--version V] [--packages a,b] [--binary-only] [--artifacts DIR] [--sha SHA]
                           [--spec FILE] [--build-cache DIR] [--repo DIR]

    Builds the packages (or, with --binary-only, every compile target) of one build of packager/buildspec.yaml.
      --build NAME        the build section (env BUILD, default foss)
      --version V         the version compiled in and of the packages (env VERSION, default 0.0.0)
      --packages a,b      packages to build (env PACKAGES, default every package of the build)
      --binary-only       build every compile target, no packages (env BINARY_ONLY=1)
      --artifacts DIR     where results go (env ARTIFACTS, default dist/packages)
      --sha SHA           git SHA compiled in (env SHA1, default git rev-parse --short HEAD)
      --spec FILE         the buildspec (default packager/buildspec.yaml)
      --build-cache DIR   already built binaries by output name (env BUILD_CACHE); a hit skips the compile
      --repo DIR          the repository root (default the current directory)
    """;

var env = Environment.GetEnvironmentVariables();
string? Env(string name) => env[name] is string s && s.Length > 0 ? s : null;
string? build = Env("BUILD"), version = Env("VERSION"), packages = Env("PACKAGES"), artifacts = Env("ARTIFACTS"),
    sha = Env("SHA1"), spec = null, cache = Env("BUILD_CACHE"), repo = null;
var binaryOnly = Env("BINARY_ONLY") is "1" or "true";
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--build": build = Next(); break;
            case "--version": version = Next(); break;
            case "--packages" or "--package": packages = Next(); break;
            case "--binary-only": binaryOnly = true; break;
            case "--artifacts": artifacts = Next(); break;
            case "--sha": sha = Next(); break;
            case "--spec": spec = Next(); break;
            case "--build-cache": cache = Next(); break;
            case "--repo": repo = Next(); break;
            case "-h" or "--help":
                Console.WriteLine(Usage);
                return 0;
            default:
                Console.Error.WriteLine($"error: unknown argument {args[i]}\n\n{Usage}");
                return 2;
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
}

var root = Path.GetFullPath(repo ?? ".");
sha ??= await GitShaAsync(root);
var options = new PackagerOptions(
    root,
    build ?? "foss",
    version ?? "0.0.0",
    sha,
    (packages ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    binaryOnly,
    Path.GetFullPath(artifacts ?? Path.Combine(root, "dist", "packages")),
    cache is null ? null : Path.GetFullPath(cache),
    TimeProvider.System)
{
    SpecFile = Path.GetFullPath(spec ?? Path.Combine(root, "packager", "buildspec.yaml")),
};

try
{
    var run = new PackagerRun(options, Console.WriteLine);
    await run.RunAsync(CancellationToken.None);
    foreach (var artifact in run.Artifacts)
    {
        Console.WriteLine($">> artifact {artifact}");
    }

    return 0;
}
catch (PackagerException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static async Task<string> GitShaAsync(string root)
{
    try
    {
        var psi = new System.Diagnostics.ProcessStartInfo("git", ["rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode == 0 ? text.Trim() : "unknown";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}
