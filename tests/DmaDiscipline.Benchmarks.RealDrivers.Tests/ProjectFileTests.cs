namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

public sealed class ProjectFileTests
{
    [Fact]
    public void An_sdk_project_compiles_its_folder_without_build_output_plus_imported_shared_items()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("App/A.cs", "");
        scratch.Write("App/Sub/B.cs", "");
        scratch.Write("App/obj/Gen.cs", "");
        scratch.Write("App/bin/Old.cs", "");
        scratch.Write("Shared/S.cs", "");
        scratch.Write("Shared/NotListed.cs", "");
        scratch.Write("Shared/Shared.projitems", """
            <Project><ItemGroup><Compile Include="$(MSBuildThisFileDirectory)S.cs" /></ItemGroup></Project>
            """);
        scratch.Write("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var path = scratch.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><AllowUnsafeBlocks>true</AllowUnsafeBlocks><DefineConstants>Kernel;HasGUI</DefineConstants></PropertyGroup>
              <ItemGroup><ProjectReference Include="..\Lib\Lib.csproj" /></ItemGroup>
              <Import Project="..\Shared\Shared.projitems" Label="Shared" />
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.Equal(["App/A.cs", "App/Sub/B.cs", "Shared/S.cs"], project.Sources.Select(s => Path.GetRelativePath(scratch.Path, s).Replace('\\', '/')));
        Assert.Equal([Path.Combine(scratch.Path, "Lib", "Lib.csproj")], project.ProjectReferences);
        Assert.Equal(["Kernel", "HasGUI"], project.DefineConstants);
        Assert.True(project.AllowUnsafe);
        Assert.False(project.Nullable);
    }

    [Fact]
    public void A_reference_that_does_not_reference_the_output_assembly_is_not_a_compilation_reference()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        scratch.Write("Gen/Gen.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        scratch.Write("Order/Order.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var path = scratch.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <ProjectReference Include="..\Lib\Lib.csproj" ReferenceOutputAssembly="true" />
                <ProjectReference Include="..\Gen\Gen.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <ProjectReference Include="..\Order\Order.csproj"><ReferenceOutputAssembly>False</ReferenceOutputAssembly></ProjectReference>
              </ItemGroup>
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.Equal([Path.Combine(scratch.Path, "Lib", "Lib.csproj")], project.ProjectReferences);
    }

    [Fact]
    public void A_listed_file_that_is_not_in_the_codebase_is_reported_missing_not_compiled()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("App/A.cs", "");
        var path = scratch.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <Compile Include="$(RuntimeCheckout)Internal\Runtime\MethodTable.cs" />
                <Compile Include="..\Elsewhere\Gone.cs" />
              </ItemGroup>
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.Equal(["App/A.cs"], project.Sources.Select(s => Path.GetRelativePath(scratch.Path, s).Replace('\\', '/')));
        Assert.Equal(2, project.MissingSources.Count);
    }

    [Fact]
    public void Implicit_usings_and_using_items_become_the_global_usings_the_sdk_generates()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("Directory.Build.props", "<Project><PropertyGroup><ImplicitUsings>enable</ImplicitUsings></PropertyGroup></Project>");
        var path = scratch.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <Using Include="System.Runtime.InteropServices" />
                <Using Remove="System.Net.Http" />
                <Using Include="Vendor.Shim" Alias="Shim" />
              </ItemGroup>
            </Project>
            """);
        var plain = scratch.Write("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><ImplicitUsings>disable</ImplicitUsings></PropertyGroup></Project>");

        Assert.Equal(
            ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Threading", "System.Threading.Tasks", "System.Runtime.InteropServices"],
            ProjectFile.Read(path, scratch.Path).GlobalUsings);
        Assert.Empty(ProjectFile.Read(plain, scratch.Path).GlobalUsings);
    }

    [Fact]
    public void Directory_build_props_above_the_project_apply_and_the_project_overrides_them()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("Directory.Build.props", "<Project><PropertyGroup><Nullable>enable</Nullable><DefineConstants>A</DefineConstants></PropertyGroup></Project>");
        var path = scratch.Write("P/P.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><DefineConstants>$(DefineConstants);B</DefineConstants></PropertyGroup>
              <PropertyGroup Condition="'$(Configuration)' == 'Debug'"><AllowUnsafeBlocks>true</AllowUnsafeBlocks></PropertyGroup>
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.True(project.Nullable);
        Assert.Equal(["A", "B"], project.DefineConstants);
        Assert.False(project.AllowUnsafe); // conditional groups are not evaluated
    }

    [Fact]
    public void The_configuration_a_solution_builds_selects_the_groups_conditioned_on_it()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write("P/P.csproj", """
            <Project ToolsVersion="14.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
              <PropertyGroup>
                <Configuration Condition=" '$(Configuration)' == '' ">Debug</Configuration>
                <Platform Condition=" '$(Platform)' == '' ">AnyCPU</Platform>
              </PropertyGroup>
              <PropertyGroup Condition=" '$(Configuration)|$(Platform)' == 'Debug|x86' ">
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                <DefineConstants>TRACE;DEBUG;x86</DefineConstants>
              </PropertyGroup>
              <PropertyGroup Condition=" '$(Configuration)|$(Platform)' == 'Release|x86' ">
                <DefineConstants>TRACE;x86</DefineConstants>
              </PropertyGroup>
              <PropertyGroup Condition=" '$(Platform)' != 'x86' "><DefineConstants>OTHER</DefineConstants></PropertyGroup>
              <PropertyGroup Condition="Exists('x.props') And '$(Configuration)' == 'Debug'"><Nullable>enable</Nullable></PropertyGroup>
            </Project>
            """);

        var debug = ProjectFile.Read(path, scratch.Path, "Debug|x86");
        Assert.True(debug.AllowUnsafe);
        Assert.Equal(["TRACE", "DEBUG", "x86"], debug.DefineConstants);
        Assert.False(debug.Nullable); // a condition other than one comparison is not evaluated, so not taken to hold

        var release = ProjectFile.Read(path, scratch.Path, "Release|x86");
        Assert.False(release.AllowUnsafe);
        Assert.Equal(["TRACE", "x86"], release.DefineConstants);

        var none = ProjectFile.Read(path, scratch.Path);
        Assert.False(none.AllowUnsafe); // without a configuration no condition is evaluated
        Assert.Empty(none.DefineConstants);
    }

    [Fact]
    public void A_configuration_is_written_as_a_solution_names_it()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("c/corpus.txt", "repository: r\ncommit: 0000000000000000000000000000000000000000\nproject: P.csproj\nconfiguration: Debug|x86\n");
        Assert.Equal("Debug|x86", CorpusManifest.Read(System.IO.Path.Combine(scratch.Path, "c")).Configuration);
        scratch.Write("d/corpus.txt", "repository: r\ncommit: 0000000000000000000000000000000000000000\nproject: P.csproj\nconfiguration: Debug\n");
        Assert.Throws<FormatException>(() => CorpusManifest.Read(System.IO.Path.Combine(scratch.Path, "d")));
    }

    [Fact]
    public void An_imported_props_or_targets_file_of_the_codebase_applies_before_the_projects_own_properties()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("Directory.Build.props", "<Project><PropertyGroup><Nullable>enable</Nullable></PropertyGroup></Project>");
        scratch.Write("Common.targets", "<Project><PropertyGroup><AllowUnsafeBlocks>true</AllowUnsafeBlocks><Nullable>disable</Nullable><DefineConstants>T</DefineConstants></PropertyGroup></Project>");
        var path = scratch.Write("P/P.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="../Common.targets" />
              <Import Project="../Missing.props" />
              <Import Project="$(MSBuildExtensionsPath)/Other.targets" />
              <PropertyGroup><DefineConstants>$(DefineConstants);P</DefineConstants></PropertyGroup>
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.True(project.AllowUnsafe);
        Assert.False(project.Nullable); // the import comes after Directory.Build.props
        Assert.Equal(["T", "P"], project.DefineConstants);
    }

    [Fact]
    public void A_project_compiles_against_what_its_references_reference_as_an_sdk_build_does()
    {
        static ProjectFile Project(string name, params string[] references) => new($"/c/{name}.csproj", name, [], references.Select(r => $"/c/{r}.csproj").ToList(), [], false, false, [], []);
        var corlib = Project("Corlib");
        var runtime = Project("Runtime", "Corlib");
        var hal = Project("Hal", "Runtime");
        var drivers = Project("Drivers", "Hal", "Runtime");
        var other = Project("Other");

        var references = CodebaseRun.TransitiveReferences(drivers, [corlib, runtime, hal, drivers, other]);

        Assert.Equal(["/c/Hal.csproj", "/c/Runtime.csproj", "/c/Corlib.csproj"], references);
    }
}
