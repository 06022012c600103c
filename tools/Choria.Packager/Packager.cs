using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Choria.Packager;

/// <summary>The 2020 inputs (<c>BUILD</c>, <c>VERSION</c>, <c>PACKAGES</c>, <c>--binary-only</c>, <c>ARTIFACTS</c>, <c>SHA1</c>) and ours.</summary>
/// <param name="BuildCache">Directory of already built binaries by output name; a hit skips the compile.</param>
public sealed record PackagerOptions(
    string RepoRoot,
    string Build,
    string Version,
    string Sha,
    IReadOnlyList<string> Packages,
    bool BinaryOnly,
    string Artifacts,
    string? BuildCache,
    TimeProvider Clock)
{
    public string SpecFile { get; init; } = Path.Combine(RepoRoot, "packager", "buildspec.yaml");

    public string TemplatesRoot { get; init; } = Path.Combine(RepoRoot, "packager", "templates");
}

/// <summary>A file of a rendered package: text from the template or the compiled binary.</summary>
public sealed record RenderedFile(string Path, string Mode, bool Config, string? Text, string? BinaryPath);

/// <summary>A package ready for rpmbuild or dpkg-deb: its files, and the spec (rpm) or DEBIAN files (deb).</summary>
public sealed record RenderedPackage(
    PackageSpec Package,
    Template Template,
    IReadOnlyList<RenderedFile> Files,
    IReadOnlyDictionary<string, string> Engine);

/// <summary>
/// The packaging engine: validates the whole build, compiles targets through <c>build.sh</c> (one settings file per
/// target, written by <c>scripts/build-settings.sh</c>), renders templates and runs rpmbuild or dpkg-deb.
/// </summary>
public sealed class PackagerRun(PackagerOptions options, Action<string> log)
{
    private readonly Dictionary<string, string> _compiled = new(StringComparer.Ordinal);
    private readonly string _buildTime = options.Clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public BuildDefinition Definition { get; } = BuildSpec.Load(File.ReadAllText(options.SpecFile), options.Build);

    /// <summary>Every artifact written, in order.</summary>
    public List<string> Artifacts { get; } = [];

    /// <summary>Checks every target and package of the build (not just the chosen ones), as 2020 did.</summary>
    public async Task<IReadOnlyDictionary<string, Template>> ValidateAsync(CancellationToken ct)
    {
        foreach (var target in Definition.Targets.Values)
        {
            _ = Targets.Plan(target);
            // The settings script is the one authority on setting names: an unknown flag fails here, before any compile.
            var settings = Targets.Settings(target, options.Version, options.Sha, _buildTime, _ => { });
            var (code, output) = await RunAsync("bash", [Path.Combine(options.RepoRoot, "scripts", "build-settings.sh"), .. settings], null, ct);
            if (code != 0)
            {
                throw new PackagerException($"compile target {target.Name}: {output.Trim().Replace("build-settings: ", "", StringComparison.Ordinal)}");
            }
        }

        var templates = new Dictionary<string, Template>(StringComparer.Ordinal);
        foreach (var package in Definition.Packages.Values)
        {
            templates[package.Name] = ValidatePackage(package, Definition, options.TemplatesRoot);
        }

        return templates;
    }

    public static Template ValidatePackage(PackageSpec package, BuildDefinition definition, string templatesRoot)
    {
        if (string.IsNullOrEmpty(package.Get("name")))
        {
            throw new PackagerException($"package {package.Name}: No name specified in package properties");
        }

        var templateName = package.Get("template");
        if (string.IsNullOrEmpty(templateName))
        {
            throw new PackagerException($"package {package.Name}: No template specified");
        }

        var template = Template.Load(templatesRoot, templateName);
        var binary = package.Get("binary");
        if (!string.IsNullOrEmpty(binary))
        {
            if (string.IsNullOrEmpty(package.Get("target_arch")))
            {
                throw new PackagerException($"package {package.Name}: Target architecture is not specified");
            }

            if (!definition.Targets.ContainsKey(binary))
            {
                throw new PackagerException($"package {package.Name}: Unknown compile target {binary}");
            }
        }

        foreach (var property in template.RequiredProperties)
        {
            if (string.IsNullOrEmpty(package.Get(property)))
            {
                throw new PackagerException($"package {package.Name}: Template required property {property} to be set");
            }
        }

        return template;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var templates = await ValidateAsync(ct);
        Directory.CreateDirectory(options.Artifacts);
        if (options.BinaryOnly)
        {
            foreach (var target in Definition.Targets.Values)
            {
                var built = await CompileAsync(target, ct);
                var dest = Path.Combine(options.Artifacts, Path.GetFileName(built));
                File.Copy(built, dest, overwrite: true);
                Artifacts.Add(dest);
            }

            return;
        }

        var chosen = options.Packages.Count > 0 ? options.Packages : Definition.Packages.Keys.ToList();
        foreach (var name in chosen)
        {
            if (!Definition.Packages.TryGetValue(name, out var package))
            {
                throw new PackagerException($"Unknown package {name} in build {Definition.Name} (known: {string.Join(", ", Definition.Packages.Keys)})");
            }

            string? binary = null;
            if (package.Get("binary") is { Length: > 0 } targetName)
            {
                binary = await CompileAsync(Definition.Targets[targetName], ct);
                Glibc.Check(binary, package, log);
            }

            var rendered = Render(package, templates[name], binary, Definition, options);
            var artifact = rendered.Template.Format == "rpm" ? await BuildRpmAsync(rendered, ct) : await BuildDebAsync(rendered, ct);
            Artifacts.Add(artifact);
            log($">> built {artifact}");
        }
    }

    /// <summary>Compiles a target once per run (or takes it from the build cache) and returns the file named by its output.</summary>
    public async Task<string> CompileAsync(CompileTarget target, CancellationToken ct)
    {
        if (_compiled.TryGetValue(target.Name, out var done))
        {
            return done;
        }

        var plan = Targets.Plan(target);
        var output = Templating.OutputName(target.Output, target, options.Version, options.Sha);
        var workDir = Path.Combine(options.RepoRoot, "artifacts", "packager", target.Name);
        Directory.CreateDirectory(workDir);
        var result = Path.Combine(workDir, output);
        var cached = options.BuildCache is null ? null : Path.Combine(options.BuildCache, output);
        if (cached is not null && File.Exists(cached))
        {
            log($">> compile target {target.Name}: using {cached} from the build cache");
            File.Copy(cached, result, overwrite: true);
        }
        else
        {
            await RunStepsAsync(target, target.Pre, "pre", null, ct);
            var settings = Targets.Settings(target, options.Version, options.Sha, _buildTime, log);
            var env = new Dictionary<string, string>(target.Environment, StringComparer.Ordinal)
            {
                ["CHORIA_RID"] = plan.Rid,
                ["CHORIA_PUBLISH"] = plan.Mode,
                ["CHORIA_OUT_DIR"] = workDir,
            };
            if (target.Tags.Count > 0)
            {
                log($"warning: compile target {target.Name}: tags ({string.Join(",", target.Tags)}) are Go build tags; ignored");
            }

            log($">> compile target {target.Name}: {plan.Rid} ({plan.Mode}) → {output}");
            var watch = Stopwatch.StartNew();
            var (code, text) = await RunAsync(Path.Combine(options.RepoRoot, "build.sh"), settings, env, ct, echo: true);
            if (code != 0)
            {
                throw new PackagerException($"compile target {target.Name} failed (exit {code}):\n{text}");
            }

            log($">> compile target {target.Name} took {watch.Elapsed.TotalSeconds:F0} s");
            File.Move(Path.Combine(workDir, plan.Executable), result, overwrite: true);
            await RunStepsAsync(target, target.Post, "post", result, ct);
        }

        _compiled[target.Name] = result;
        return result;
    }

    private async Task RunStepsAsync(CompileTarget target, IReadOnlyList<string> steps, string kind, string? output, CancellationToken ct)
    {
        foreach (var step in steps)
        {
            // Plugin generation is a built-in step of build.sh here; Go commands have nothing to act on.
            if (step.Contains("go generate", StringComparison.Ordinal) || step.Contains(".go", StringComparison.Ordinal))
            {
                log($"warning: compile target {target.Name}: skipping {kind} step '{step}' (Go; plugin generation is built in)");
                continue;
            }

            var command = output is null ? step : step.Replace("{{output}}", output, StringComparison.Ordinal);
            var (code, text) = await RunAsync("/bin/sh", ["-c", command], null, ct);
            if (code != 0)
            {
                throw new PackagerException($"compile target {target.Name}: {kind} step '{step}' failed (exit {code}):\n{text}");
            }
        }
    }

    /// <summary>Engine variables first (they win over package keys of the same name), then every file of the layout.</summary>
    public static RenderedPackage Render(PackageSpec package, Template template, string? binary, BuildDefinition definition, PackagerOptions options)
    {
        var name = package.Get("name")!;
        var targetArch = package.Get("target_arch") ?? "";
        var engine = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["binary"] = binary is null ? "" : Path.GetFileName(binary),
            ["version"] = options.Version,
            ["rpm_version"] = Templating.RpmVersion(options.Version),
            ["deb_arch"] = DebArch(targetArch),
            ["tarball"] = binary is null
                ? $"{name}-{options.Version}.tgz"
                : $"{name}-{options.Version}-{definition.Targets[package.Get("binary")!].Os}-{targetArch}.tgz",
            ["source_dir"] = options.RepoRoot,
            ["date"] = Templating.Rfc2822(options.Clock.GetUtcNow()),
        };
        foreach (var (key, value) in template.Variables)
        {
            engine.TryAdd(key, value);
        }

        var files = new List<RenderedFile>();
        foreach (var file in template.Files)
        {
            if (file.ManagedConfig && package.Get("manage_conf") != "1")
            {
                continue;
            }

            var path = Templating.Package(file.Path, engine, package.Properties).Replace("//", "/", StringComparison.Ordinal);
            if (file.Source == Template.BinarySource)
            {
                if (binary is not null)
                {
                    files.Add(new RenderedFile(path, file.Mode, file.Config, null, binary));
                }

                continue;
            }

            files.Add(new RenderedFile(path, file.Mode, file.Config, Templating.Package(template.Sources[file.Source], engine, package.Properties), null));
        }

        return new RenderedPackage(package, template, files, engine);
    }

    /// <summary>A Debian architecture from the GNU triplet (or rpm arch) of <c>target_arch</c>.</summary>
    public static string DebArch(string targetArch) => targetArch.Split('-')[0] switch
    {
        "x86_64" or "amd64" => "amd64",
        "aarch64" or "arm64" => "arm64",
        "arm" or "armhf" or "armv7hl" => "armhf",
        "i386" or "i686" => "i386",
        "powerpc64le" or "ppc64le" => "ppc64el",
        var other => other,
    };

    /// <summary>Renders a non-payload template file (the rpm spec, DEBIAN scripts).</summary>
    public static string RenderSource(RenderedPackage rendered, string source, IReadOnlyDictionary<string, string>? extra = null)
    {
        if (!rendered.Template.Sources.TryGetValue(source, out var text))
        {
            throw new PackagerException($"template {rendered.Template.Name} has no {source}");
        }

        var engine = new Dictionary<string, string>(rendered.Engine, StringComparer.Ordinal);
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            engine[k] = v;
        }

        return Templating.Package(text, engine, rendered.Package.Properties);
    }

    private static void Stage(RenderedPackage rendered, string root)
    {
        foreach (var file in rendered.Files)
        {
            var dest = Path.Combine(root, file.Path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            if (file.BinaryPath is not null)
            {
                File.Copy(file.BinaryPath, dest, overwrite: true);
            }
            else
            {
                File.WriteAllText(dest, file.Text);
            }

            SetMode(dest, file.Mode);
        }
    }

    private static void SetMode(string path, string octal)
    {
        // rpmbuild and dpkg-deb exist on Linux only; the guard is for the platform analyzer.
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the packager runs on Linux");
        }

        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));
    }

    private async Task<string> BuildRpmAsync(RenderedPackage rendered, CancellationToken ct)
    {
        var top = Directory.CreateTempSubdirectory("choria-rpm-").FullName;
        try
        {
            var stage = Path.Combine(top, "stage");
            Stage(rendered, stage);
            var list = new StringBuilder();
            foreach (var f in rendered.Files)
            {
                list.Append(f.Config ? "%config(noreplace) " : "").Append(CultureInfo.InvariantCulture, $"%attr({f.Mode},root,root) {f.Path}\n");
            }

            var spec = RenderSource(rendered, "package.spec", new Dictionary<string, string> { ["stage"] = stage, ["rpm_files"] = list.ToString().TrimEnd() });
            var specPath = Path.Combine(top, rendered.Package.Get("name") + ".spec");
            await File.WriteAllTextAsync(specPath, spec, ct);
            var arch = rendered.Package.Get("target_arch") ?? "noarch";
            var (code, text) = await RunAsync("rpmbuild", [
                "-bb", "--target", arch,
                "--define", "_topdir " + top,
                // No /usr/lib/.build-id links and no brp scripts: the payload is exactly the layout.
                "--define", "_build_id_links none",
                "--define", "__os_install_post %{nil}",
                specPath,
            ], null, ct);
            if (code != 0)
            {
                throw new PackagerException($"package {rendered.Package.Name}: rpmbuild failed (exit {code}):\n{text}");
            }

            var rpm = Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
            var dest = Path.Combine(options.Artifacts, Path.GetFileName(rpm));
            File.Copy(rpm, dest, overwrite: true);
            return dest;
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
    }

    private async Task<string> BuildDebAsync(RenderedPackage rendered, CancellationToken ct)
    {
        var top = Directory.CreateTempSubdirectory("choria-deb-").FullName;
        try
        {
            var root = Path.Combine(top, "root");
            Stage(rendered, root);
            var debian = Directory.CreateDirectory(Path.Combine(root, "DEBIAN")).FullName;
            var size = rendered.Files.Sum(f => f.BinaryPath is null ? Encoding.UTF8.GetByteCount(f.Text!) : new FileInfo(f.BinaryPath).Length);
            var installedSize = ((size + 1023) / 1024).ToString(CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(Path.Combine(debian, "control"),
                RenderSource(rendered, "control", new Dictionary<string, string> { ["installed_size"] = installedSize }), ct);
            // Everything the package ships under /etc is a conffile (dpkg keeps an admin's edits), as are the
            // configuration files wherever etcdir puts them.
            var conffiles = rendered.Files.Where(f => f.Config || f.Path.StartsWith("/etc/", StringComparison.Ordinal)).Select(f => f.Path + "\n");
            await File.WriteAllTextAsync(Path.Combine(debian, "conffiles"), string.Concat(conffiles), ct);
            var sums = new StringBuilder();
            foreach (var f in rendered.Files)
            {
                var bytes = f.BinaryPath is null ? Encoding.UTF8.GetBytes(f.Text!) : await File.ReadAllBytesAsync(f.BinaryPath, ct);
#pragma warning disable CA5351 // DEBIAN/md5sums is defined as MD5; it detects corruption, it is not a signature.
                sums.Append(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(MD5.HashData(bytes))}  {f.Path.TrimStart('/')}\n");
#pragma warning restore CA5351
            }

            await File.WriteAllTextAsync(Path.Combine(debian, "md5sums"), sums.ToString(), ct);
            foreach (var script in new[] { "preinst", "postinst", "prerm", "postrm" })
            {
                if (rendered.Template.Sources.ContainsKey(script))
                {
                    var path = Path.Combine(debian, script);
                    await File.WriteAllTextAsync(path, RenderSource(rendered, script), ct);
                    SetMode(path, "0755");
                }
            }

            var deb = Path.Combine(options.Artifacts, $"{rendered.Package.Get("name")}_{options.Version}_{rendered.Engine["deb_arch"]}.deb");
            var (code, text) = await RunAsync("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", root, deb], null, ct);
            if (code != 0)
            {
                throw new PackagerException($"package {rendered.Package.Name}: dpkg-deb failed (exit {code}):\n{text}");
            }

            return deb;
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
    }

    private async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env, CancellationToken ct, bool echo = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = options.RepoRoot,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new PackagerException($"cannot start {file}");
        var output = new StringBuilder();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (echo)
            {
                log(line);
            }
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, output.ToString());
    }
}
