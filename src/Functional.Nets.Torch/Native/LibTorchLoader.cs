using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using TorchSharp;

namespace Functional.Nets.Torch.Native;

/// <summary>
/// Makes TorchSharp's native backend (libtorch plus <c>libLibTorchSharp</c>) load with no manual step, and
/// explains itself when it cannot.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> needs <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++), which
/// Debian 12 and Ubuntu 22.04 lack; glibc then refuses the library and TorchSharp reports a misleading
/// "doesn't contain a reference to libtorch-cpu-linux-x64". On Linux, when the libstdc++ this process uses lacks
/// a version the library needs, this loader writes a copy with those needs marked weak
/// (<see cref="ElfVersionPatch"/>) into a per-user cache folder and loads, by absolute path,
/// <c>libc10.so</c>, <c>libtorch_cpu.so</c> and <c>libtorch.so</c> from the application's own native folder and
/// then the patched copy. TorchSharp's later load of <c>LibTorchSharp</c> by bare name is then answered by the
/// dynamic linker's soname match with the copy already in the process.
/// </para>
/// <para>
/// Loading libtorch's own libraries first, from the folder the application ships, by absolute path, matters
/// twice: the patched copy lives in another folder, so its <c>$ORIGIN</c> RUNPATH finds no libtorch and it would
/// otherwise bind to whatever libtorch is on the system path (e.g. Debian's <c>libtorch1.13</c>); and two
/// different copies of <c>libtorch_cpu.so</c> in one process abort it ("Tried to register multiple backend
/// fallbacks"), so the copy loaded must be the very file TorchSharp itself would load (glibc recognises the same
/// file by device and inode whatever path names it).
/// </para>
/// <para>
/// The environment variable <see cref="LibTorchDirVariable"/> overrides the native folder: it names a folder
/// holding <c>libc10.so</c>, <c>libtorch_cpu.so</c>, <c>libtorch.so</c> and optionally <c>libLibTorchSharp.so</c>.
/// On other operating systems nothing special is done beyond forcing TorchSharp's initialisation, so that
/// every failure surfaces as a <see cref="LibTorchLoadException"/>.
/// </para>
/// </remarks>
internal static class LibTorchLoader
{
    /// <summary>Environment variable naming a folder that holds libtorch's native libraries, overriding the search.</summary>
    public const string LibTorchDirVariable = "FUNCTIONAL_NETS_LIBTORCH_DIR";

    private const string LibTorchSharpFile = "libLibTorchSharp.so";
    private const string Rid = "linux-x64";
    private static readonly string[] LibTorchFiles = { "libc10.so", "libtorch_cpu.so", "libtorch.so" };

    // ExecutionAndPublication: exactly one thread runs Load; after that, Value is a plain read.
    private static readonly Lazy<LibTorchLoadException?> Outcome = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Loads libtorch and initialises TorchSharp's CPU backend, once per process; later calls are cheap.
    /// Safe to call from many threads at once.
    /// </summary>
    /// <exception cref="LibTorchLoadException">
    /// libtorch cannot be loaded; the message says why (the loader's own error), which files were tried and what
    /// to do. Every call after a failure throws again with the same explanation.
    /// </exception>
    public static void EnsureLoaded()
    {
        var failure = Outcome.Value;
        if (failure is not null)
        {
            throw new LibTorchLoadException(failure.Message, failure.InnerException);
        }
    }

    private static LibTorchLoadException? Load()
    {
        var report = new Report();

        // Before any libtorch library is loaded: c10 reads its huge-page switch once, at its first allocation.
        TransparentHugePages.RequestUnlessSet();
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            try
            {
                PrepareLinux(report);
            }
            catch (LibTorchLoadException e)
            {
                // A definite dead end (bad override, patch refused, conflicting libtorch already loaded):
                // calling into TorchSharp could only add its misleading message, or abort the process.
                return e;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
            {
                report.Notes.Add($"Preparing the native libraries failed: {e.Message}");
            }
        }

        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.zeros(1);
            return null;
        }
#pragma warning disable CA1031 // TorchSharp may fail in any way (TypeInitializationException, DllNotFoundException,
                               // EntryPointNotFoundException, ...); each must become a LibTorchLoadException.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new LibTorchLoadException(Explain(report, e), e);
        }
    }

    private static void PrepareLinux(Report report)
    {
        var overrideDir = Environment.GetEnvironmentVariable(LibTorchDirVariable);
        if (string.IsNullOrWhiteSpace(overrideDir))
        {
            overrideDir = null;
        }
        else
        {
            overrideDir = RealPath(overrideDir);
            var missing = LibTorchFiles.Where(f => !File.Exists(Path.Combine(overrideDir, f))).ToList();
            if (missing.Count > 0)
            {
                throw new LibTorchLoadException(
                    $"{LibTorchDirVariable} is set to '{overrideDir}', but that folder lacks {string.Join(", ", missing)}. " +
                    $"Point it at a folder holding {string.Join(", ", LibTorchFiles)} (libtorch {LibTorchVersion() ?? "of the version TorchSharp was built for"}), " +
                    $"or unset it to use the libraries shipped with the application.");
            }
        }

        // Someone (TorchSharp itself, or the host) already loaded the backend: nothing to do, and loading a
        // second libtorch_cpu.so from elsewhere would abort the process.
        var loadedBridge = ElfVersionPatch.LoadedLibraryPath(LibTorchSharpFile);
        var loadedTorch = ElfVersionPatch.LoadedLibraryPath("libtorch_cpu.so");
        if (loadedBridge is not null)
        {
            report.Notes.Add($"{LibTorchSharpFile} was already loaded from {loadedBridge}.");
            return;
        }

        if (loadedTorch is not null && overrideDir is not null && RealPath(Path.GetDirectoryName(loadedTorch)!) != overrideDir)
        {
            throw new LibTorchLoadException(
                $"{LibTorchDirVariable} names '{overrideDir}', but libtorch_cpu.so is already loaded in this process from " +
                $"'{loadedTorch}'. Two copies of libtorch in one process abort it, so the override was not applied. " +
                "Unset the variable, or make sure nothing loads libtorch before Functional.Nets does.");
        }

        if (overrideDir is not null)
        {
            // TorchSharp's first step loads "torch_cpu" through the runtime's probing, which tries these folders
            // by absolute path before any bare-name lookup. If one holds a different libtorch_cpu.so, that second
            // copy would be loaded beside ours and abort the process, so refuse the override instead.
            var shipped = TorchSharpProbedFolders().FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));
            if (shipped is not null && RealPath(shipped) != overrideDir)
            {
                throw new LibTorchLoadException(
                    $"{LibTorchDirVariable} names '{overrideDir}', but the application also ships libtorch in '{shipped}', " +
                    "which TorchSharp loads by absolute path; two copies of libtorch in one process abort it, so the override was not applied. " +
                    $"Either unset {LibTorchDirVariable}, or build without libtorch's native files (reference the TorchSharp package " +
                    "instead of TorchSharp-cpu) so that the override is the only libtorch.");
            }
        }

        var candidates = CandidateFolders();
        report.Searched.AddRange(candidates);
        var torchDir = overrideDir
            ?? (loadedTorch is not null ? Path.GetDirectoryName(loadedTorch) : null)
            ?? candidates.FirstOrDefault(d => LibTorchFiles.All(f => File.Exists(Path.Combine(d, f))));
        var bridgeDir = new[] { overrideDir, torchDir }.Concat(candidates)
            .FirstOrDefault(d => d is not null && File.Exists(Path.Combine(d, LibTorchSharpFile)));
        report.TorchDir = torchDir;
        if (bridgeDir is null)
        {
            report.Notes.Add($"No {LibTorchSharpFile} was found in the folders searched.");
            return;
        }

        var bridgePath = Path.Combine(bridgeDir, LibTorchSharpFile);
        report.BridgePath = bridgePath;
        var original = File.ReadAllBytes(bridgePath);
        var needed = ElfVersionPatch.ReadVersionNeeds(original)
            .Where(n => n.File.StartsWith("libstdc++.so", StringComparison.Ordinal) && !n.IsWeak)
            .Select(n => n.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var provided = ElfVersionPatch.SystemLibStdCxxVersions(out var libStdCxx);
        report.LibStdCxx = libStdCxx;
        var providedGlibcxx = ElfVersionPatch.GlibcxxVersionsInOrder(provided);
        report.LibStdCxxHighest = providedGlibcxx.Count > 0 ? providedGlibcxx[^1] : null;
        var lacking = libStdCxx is null ? new List<string>() : needed.Where(n => !provided.Contains(n)).ToList();
        report.Lacking = lacking;

        if (lacking.Count == 0 && overrideDir is null)
        {
            // The system can load the shipped library as it is: let TorchSharp do its normal load. An application that
            // ships TorchSharp without libtorch (the fnets tool) found libtorch elsewhere (the NuGet cache): load it first,
            // by absolute path, so that the bridge's needs are answered by soname from the libraries already loaded.
            if (torchDir is not null && !TorchSharpProbedFolders().Any(d => File.Exists(Path.Combine(d, "libtorch_cpu.so"))))
            {
                foreach (var file in LibTorchFiles)
                {
                    LoadOrRecord(Path.Combine(torchDir, file), report);
                }
            }

            return;
        }

        if (torchDir is null)
        {
            report.Notes.Add($"No folder holding {string.Join(", ", LibTorchFiles)} was found, so nothing was preloaded.");
            return;
        }

        var bridgeToLoad = bridgePath;
        string? temporaryDir = null;
        if (lacking.Count > 0)
        {
            byte[] patched;
            try
            {
                patched = ElfVersionPatch.WithWeakVersionNeeds(original, lacking);
            }
            catch (InvalidOperationException e)
            {
                throw new LibTorchLoadException(
                    $"{bridgePath} requires {string.Join(", ", lacking)} from libstdc++, which {libStdCxx} " +
                    $"(up to {report.LibStdCxxHighest ?? "unknown"}) does not provide, and the library cannot be patched around it: {e.Message} " +
                    WhatToDo(lacking, versionProblem: true));
            }

            (bridgeToLoad, temporaryDir) = WritePatchedCopy(patched, report);
            report.PatchedPath = bridgeToLoad;
        }

        foreach (var file in LibTorchFiles)
        {
            LoadOrRecord(Path.Combine(torchDir, file), report);
        }

        LoadOrRecord(bridgeToLoad, report);
        if (temporaryDir is not null)
        {
            // The mapping outlives the file; the private temporary copy is not needed once loaded.
            TryDelete(temporaryDir);
        }
    }

    private static void LoadOrRecord(string path, Report report)
    {
        try
        {
            NativeLibrary.Load(path);
            report.Tried.Add($"{path}: loaded");
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // On Linux the message carries dlerror()'s text, e.g. "version `GLIBCXX_3.4.32' not found".
            report.Tried.Add($"{path}: FAILED: {LoaderText(e.Message)}");
            report.LoaderErrors.Add($"{LoaderText(e.Message)} (loading {path})");
        }
    }

    /// <summary>
    /// Writes the patched library to <c>$XDG_CACHE_HOME</c> (or <c>~/.cache</c>)<c>/functional-nets/libtorchsharp/&lt;hash&gt;/</c>,
    /// named by a hash of its content so that different TorchSharp versions never collide and an existing file is
    /// reused only when its bytes are exactly right. Written to a unique temporary file and renamed into place, so
    /// processes racing each other each see either no file or a complete one. Falls back to a fresh private
    /// temporary folder (returned second, to be deleted after loading) when the cache is not writable.
    /// </summary>
    private static (string Path, string? TemporaryDir) WritePatchedCopy(byte[] patched, Report report)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(patched))[..16];
        var cacheRoot = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cacheRoot) || !Path.IsPathRooted(cacheRoot))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            cacheRoot = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache");
        }

        if (cacheRoot is not null)
        {
            var dir = Path.Combine(cacheRoot, "functional-nets", "libtorchsharp", hash);
            var target = Path.Combine(dir, LibTorchSharpFile);
            try
            {
                if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(patched))
                {
                    return (target, null);
                }

                Directory.CreateDirectory(dir);
                var temp = Path.Combine(dir, $"{LibTorchSharpFile}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                try
                {
                    WriteFile(temp, patched);
                    File.Move(temp, target, overwrite: true); // rename(2): atomic within one folder
                }
                finally
                {
                    TryDelete(temp);
                }

                return (target, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                report.Notes.Add($"Could not use the cache folder {dir} ({e.Message}); used a temporary folder instead.");
            }
        }

        // Created with mode 0700 under a unique name, so no other user can plant a library there.
        var tempDir = Directory.CreateTempSubdirectory("functional-nets-libtorchsharp-").FullName;
        var tempTarget = Path.Combine(tempDir, LibTorchSharpFile);
        WriteFile(tempTarget, patched);
        return (tempTarget, tempDir);
    }

    private static void WriteFile(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file is harmless.
        }
    }

    /// <summary>
    /// The folders the runtime probes, by absolute path and in this order, when TorchSharp calls
    /// <c>NativeLibrary.TryLoad(name, assembly, null)</c>: the host's native search folders (from the deps.json,
    /// e.g. <c>bin/…/runtimes/linux-x64/native/</c>), then TorchSharp.dll's own folder. Only after these does it
    /// try the bare name, which the dynamic linker answers with an already-loaded library of that soname.
    /// </summary>
    private static List<string> TorchSharpProbedFolders()
    {
        var folders = new List<string?>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
        {
            folders.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        folders.Add(TorchSharpDirectory());
        return Normalise(folders);
    }

    /// <summary>
    /// Folders that may hold the native libraries, in the order TorchSharp itself would find them (so that the
    /// copy preloaded is the very file TorchSharp would load): its probed folders (<see cref="TorchSharpProbedFolders"/>;
    /// a plain <c>dotnet build</c> or <c>dotnet test</c> puts the files under <c>runtimes/linux-x64/native/</c>,
    /// <c>dotnet build -r linux-x64</c> and publish put them flat beside the application), then the same two
    /// layouts under TorchSharp.dll's folder and <c>AppContext.BaseDirectory</c>, TorchSharp's own consolidation
    /// folder (<c>cpu/</c>), and last the NuGet package cache (when nothing was copied, e.g. F# Interactive).
    /// </summary>
    private static List<string> CandidateFolders()
    {
        var folders = new List<string?>(TorchSharpProbedFolders());
        var torchSharpDir = TorchSharpDirectory();
        foreach (var root in new[] { torchSharpDir, AppContext.BaseDirectory })
        {
            if (!string.IsNullOrEmpty(root))
            {
                folders.Add(root);
                folders.Add(Path.Combine(root, "runtimes", Rid, "native"));
            }
        }

        if (torchSharpDir is not null)
        {
            folders.Add(Path.Combine(torchSharpDir, "cpu"));
        }

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            packages = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".nuget", "packages");
        }

        if (packages is not null)
        {
            var libtorchVersion = LibTorchVersion();
            if (libtorchVersion is not null)
            {
                folders.Add(Path.Combine(packages, $"libtorch-cpu-{Rid}", libtorchVersion, "runtimes", Rid, "native"));
            }

            var torchSharpVersion = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
            if (!string.IsNullOrEmpty(torchSharpVersion))
            {
                folders.Add(Path.Combine(packages, "torchsharp", torchSharpVersion, "runtimes", Rid, "native"));
            }
        }

        return Normalise(folders);
    }

    private static string? TorchSharpDirectory()
    {
        var location = typeof(torch).Assembly.Location; // empty in single-file applications
        return string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
    }

    private static List<string> Normalise(IEnumerable<string?> folders) =>
        folders
            .Where(f => !string.IsNullOrEmpty(f))
            .Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f!)))
            .Distinct(StringComparer.Ordinal)
            .Where(Directory.Exists)
            .ToList();

    /// <summary>
    /// The absolute path with every symbolic link resolved, component by component, so that two spellings of
    /// one folder compare equal. (Hard links are not detected; they merely make a conflict look like one.)
    /// </summary>
    private static string RealPath(string path)
    {
        var current = Path.GetPathRoot(Path.GetFullPath(path)) ?? "/";
        var parts = Path.GetFullPath(path).Substring(current.Length).Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            var next = Path.Combine(current, part);
            try
            {
                current = new FileInfo(next).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next;
            }
            catch (IOException)
            {
                current = next;
            }
        }

        return Path.TrimEndingDirectorySeparator(current);
    }

    /// <summary>
    /// The libtorch package version TorchSharp was built against (e.g. <c>2.10.0</c>), read from its
    /// <c>libtorchPackageVersion</c> constant through metadata, which does not run TorchSharp's static constructor
    /// (<c>torch.__version__</c> would, and so would trigger the very load being prepared).
    /// </summary>
    private static string? LibTorchVersion()
    {
        var field = typeof(torch).GetField("libtorchPackageVersion", BindingFlags.NonPublic | BindingFlags.Static);
        if (field is not { IsLiteral: true } || field.GetRawConstantValue() is not string raw)
        {
            return null;
        }

        var parts = raw.Split('.');
        return parts.Length == 4 && parts[3] == "0" ? string.Join('.', parts[..3]) : raw;
    }

    private static string Explain(Report report, Exception torchSharpError)
    {
        // If we never loaded anything ourselves, ask the loader directly for the real reason
        // (TorchSharp keeps only "Failed to load"; the DllNotFoundException carries dlerror()'s text).
        var bridgeLoaded = report.Tried.Count > 0 && report.LoaderErrors.Count == 0;
        if (report.Tried.Count == 0 && report.BridgePath is not null && OperatingSystem.IsLinux())
        {
            LoadOrRecord(report.BridgePath, report);
        }

        var text = new StringBuilder();
        text.AppendLine("libtorch (TorchSharp's native backend) could not be loaded into this process.");
        text.AppendLine();
        text.AppendLine("Why:");
        foreach (var error in report.LoaderErrors.Distinct(StringComparer.Ordinal))
        {
            text.Append("  - loader: ").AppendLine(error);
        }

        if (report.Lacking.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - {report.BridgePath} requires {string.Join(", ", report.Lacking)}, ")
                .Append(CultureInfo.InvariantCulture, $"which {report.LibStdCxx} (up to {report.LibStdCxxHighest ?? "unknown"}) does not provide")
                .AppendLine(report.PatchedPath is null
                    ? "."
                    : $"; a copy with that need marked weak (no relocation uses it) was made at {report.PatchedPath}.");
        }

        foreach (var note in report.Notes)
        {
            text.Append("  - ").AppendLine(note);
        }

        if (bridgeLoaded && torchSharpError is TypeInitializationException)
        {
            // Everything loaded now, yet TorchSharp's static constructor failed: it had already run (and failed)
            // before EnsureLoaded, and .NET never reruns a failed type initializer.
            text.AppendLine("  - libtorch and libLibTorchSharp loaded, but TorchSharp's initialisation had already failed earlier in this " +
                "process: TorchSharp was used before LibTorchLoader.EnsureLoaded() ran, and a failed type initializer is permanent. " +
                "Call EnsureLoaded() before any use of TorchSharp.");
        }
        else if (report.LoaderErrors.Count == 0 && report.Lacking.Count == 0 && report.Notes.Count == 0)
        {
            text.Append("  - TorchSharp failed: ").AppendLine(FirstLine(torchSharpError));
        }

        text.AppendLine();
        text.AppendLine("Files tried:");
        if (report.Tried.Count == 0)
        {
            text.AppendLine("  (none loaded by Functional.Nets; TorchSharp's own attempts are in the inner exception)");
        }

        foreach (var tried in report.Tried)
        {
            text.Append("  - ").AppendLine(tried);
        }

        if (report.TorchDir is null && report.Searched.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Folders searched for {string.Join(", ", LibTorchFiles)}:");
            foreach (var folder in report.Searched)
            {
                text.Append("  - ").AppendLine(folder);
            }
        }

        text.AppendLine();
        text.AppendLine("What to do:");
        var versionProblem = report.LoaderErrors.Any(e => e.Contains("version `", StringComparison.Ordinal));
        if (bridgeLoaded && torchSharpError is TypeInitializationException)
        {
            text.AppendLine("  Call LibTorchLoader.EnsureLoaded() before the first use of TorchSharp in the process (e.g. in a test fixture's or type's static constructor).");
        }
        else
        {
            text.Append("  ").AppendLine(WhatToDo(report.Lacking, versionProblem, libTorchFound: report.TorchDir is not null, loaderRejected: report.LoaderErrors.Count > 0));
        }

        text.AppendLine("TorchSharp's own message (often blaming a missing package reference whatever the cause) is the inner exception.");
        return text.ToString();
    }

    private static string WhatToDo(IReadOnlyCollection<string> lacking, bool versionProblem, bool libTorchFound = true, bool loaderRejected = false)
    {
        var version = LibTorchVersion() ?? "of the version TorchSharp was built for";
        var advice = new StringBuilder();
        if (!libTorchFound)
        {
            advice.Append(CultureInfo.InvariantCulture, $"libtorch's native files were not found: reference the TorchSharp-cpu package (it brings libtorch-cpu-{Rid} {version}) ")
                .Append("so that a build copies them to the output, and restore it; or ");
        }
        else if (versionProblem)
        {
            var needed = lacking.Count > 0 ? string.Join(", ", lacking) : "the symbol versions named above";
            advice.Append(CultureInfo.InvariantCulture, $"Install a libstdc++ (or glibc) that provides {needed} (for GLIBCXX_3.4.32: the GCC 13 or newer runtime), ")
                .Append("e.g. from a newer distribution, or conda's libstdcxx-ng with LD_LIBRARY_PATH pointing at it; or ");
        }
        else if (loaderRejected)
        {
            advice.Append("Repair or replace the files the loader rejected above (corrupt, of another libtorch version, or missing a dependency); or ");
        }

        advice.Append(CultureInfo.InvariantCulture, $"{(advice.Length == 0 ? "Set" : "set")} {LibTorchDirVariable} to a folder holding {string.Join(", ", LibTorchFiles)} (libtorch {version}) ")
            .Append("and optionally a libLibTorchSharp.so that loads on this system.");
        return advice.ToString();
    }

    /// <summary>
    /// The dynamic loader's own words from a <see cref="DllNotFoundException"/> message: .NET puts the
    /// <c>dlerror()</c> text after its generic advice, on the last line.
    /// </summary>
    private static string LoaderText(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 1 ? lines[^1] : message;
    }

    private static string FirstLine(Exception e)
    {
        var inner = e is TypeInitializationException { InnerException: { } i } ? i : e;
        var message = inner.Message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline].TrimEnd();
    }

    /// <summary>What the Linux preparation saw and did, for the error message.</summary>
    private sealed class Report
    {
        public List<string> Tried { get; } = new();

        public List<string> LoaderErrors { get; } = new();

        public List<string> Notes { get; } = new();

        public List<string> Searched { get; } = new();

        public IReadOnlyList<string> Lacking { get; set; } = Array.Empty<string>();

        public string? TorchDir { get; set; }

        public string? BridgePath { get; set; }

        public string? LibStdCxx { get; set; }

        public string? LibStdCxxHighest { get; set; }

        public string? PatchedPath { get; set; }
    }
}
