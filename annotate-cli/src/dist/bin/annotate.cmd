@echo off
rem annotate: the command-line launcher for Windows. Runs lib\annotate.jar on Java 17 or later.
rem   JAVA_HOME      the Java to run; else the first java on PATH
rem   JAVA_OPTS      JVM options, for example -Xmx8g
rem   ANNOTATE_OPTS  more JVM options, for annotate alone
setlocal
set "APP_HOME=%~dp0.."
set "JAR=%APP_HOME%\lib\annotate.jar"
if not exist "%JAR%" (
    echo annotate: %JAR% is missing: reinstall annotate 1>&2
    exit /b 2
)
if defined JAVA_HOME (
    set "JAVACMD=%JAVA_HOME%\bin\java.exe"
) else (
    set "JAVACMD=java.exe"
)
if defined JAVA_HOME if not exist "%JAVACMD%" (
    echo annotate: JAVA_HOME is %JAVA_HOME%, which has no bin\java.exe; set JAVA_HOME to a Java 17 or later 1>&2
    exit /b 2
)
if not defined JAVA_HOME (
    where java.exe >nul 2>nul || (
        echo annotate: no Java found: install Java 17 or later, and set JAVA_HOME or put java on PATH 1>&2
        exit /b 2
    )
)
rem the version: the major number of the "version" line of java -version
set "MAJOR="
for /f "tokens=3" %%v in ('"%JAVACMD%" -version 2^>^&1 ^| findstr /i "version"') do (
    for /f "delims=.-+ tokens=1,2" %%a in (%%v) do (
        if "%%a"=="1" (set "MAJOR=%%b") else (set "MAJOR=%%a")
    )
)
if not defined MAJOR (
    echo annotate: cannot tell the version of %JAVACMD%; annotate needs Java 17 or later 1>&2
    exit /b 2
)
if %MAJOR% LSS 17 (
    echo annotate: %JAVACMD% is Java %MAJOR%; annotate needs Java 17 or later ^(set JAVA_HOME to one^) 1>&2
    exit /b 2
)
"%JAVACMD%" %JAVA_OPTS% %ANNOTATE_OPTS% -jar "%JAR%" %*
exit /b %ERRORLEVEL%
