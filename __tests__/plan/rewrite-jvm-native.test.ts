/**
 * A JVM build is portable bytecode, unless it also makes machine code: a jlink/jpackage runtime,
 * a GraalVM native image, a JNI library built by cmake/make inside Maven or Gradle, or a native
 * dependency chosen by the build machine's own os.detected.classifier / os.arch. Built on
 * $BUILDPLATFORM, any of those would put the build platform's code in the target's image, so the
 * stage stays emulated, with the reason.
 */
import { df, plan } from './helpers.js';

const MAVEN = df('FROM maven:3-eclipse-temurin-21 AS build', 'WORKDIR /src', 'COPY . .', 'RUN mvn -B package', 'FROM eclipse-temurin:21-jre', 'COPY --from=build /src/target/app.jar /app.jar');
const GRADLE = df('FROM gradle:8-jdk21 AS build', 'WORKDIR /src', 'COPY . .', 'RUN ./gradlew bootJar --no-daemon', 'FROM eclipse-temurin:21-jre', 'COPY --from=build /src/build/libs/app.jar /app.jar');
const pom = (body: string) => `<project>\n  <modelVersion>4.0.0</modelVersion>\n${body}\n</project>\n`;

test.each([
  // Dockerfile commands
  ['jpackage', df('FROM eclipse-temurin:21 AS build', 'COPY . .', 'RUN ./mvnw package', 'RUN jpackage --type app-image --input target -n app', 'FROM debian:bookworm-slim', 'COPY --from=build /app /app'), {}, /`jpackage`.*native/],
  ['jlink', df('FROM eclipse-temurin:21 AS build', 'COPY . .', 'RUN ./mvnw package', 'RUN jlink --add-modules java.base --output /jre', 'FROM debian:bookworm-slim', 'COPY --from=build /jre /jre'), {}, /it runs `jlink`.*native/],
  ['mvn -Pnative', MAVEN.replace('mvn -B package', 'mvn -B -Pnative package'), {}, /GraalVM native image/],
  ['mvn native:compile', MAVEN.replace('mvn -B package', 'mvn -B native:compile'), {}, /GraalVM native image/],
  ['mvn by plugin coordinates', MAVEN.replace('mvn -B package', 'mvn -B package org.graalvm.buildtools:native-maven-plugin:0.10.2:compile-no-fork'), {}, /GraalVM native image/],
  ['gradle nativeCompile', GRADLE.replace('bootJar', 'nativeCompile'), {}, /GraalVM native image/],
  ['gradle nativeBuild', GRADLE.replace('bootJar', 'nativeBuild'), {}, /GraalVM native image/],
  ['native-image', df('FROM ghcr.io/graalvm/native-image-community:21 AS build', 'COPY . .', 'RUN ./mvnw package && native-image -jar target/app.jar app', 'FROM debian:bookworm-slim', 'COPY --from=build /app /app'), {}, /GraalVM native image/],
  // Build files
  ['a GraalVM plugin bound to package in the main build', MAVEN, { 'pom.xml': pom('<build><plugins><plugin><groupId>org.graalvm.buildtools</groupId><artifactId>native-maven-plugin</artifactId>\n<executions><execution><goals><goal>compile-no-fork</goal></goals><phase>package</phase></execution></executions></plugin></plugins></build>') }, /pom\.xml:\d+ .*GraalVM native image/],
  ['netty-tcnative by os.detected.classifier', MAVEN, { 'pom.xml': pom('<dependencies><dependency><groupId>io.netty</groupId><artifactId>netty-tcnative-boringssl-static</artifactId>\n<classifier>${os.detected.classifier}</classifier></dependency></dependencies>') }, /pom\.xml:\d+ .*os\.detected\.classifier.*build platform/],
  ['a Gradle dependency by os.arch', GRADLE, { 'build.gradle': 'dependencies {\n  runtimeOnly "io.netty:netty-transport-native-epoll:4.1.100.Final:linux-${System.getProperty(\'os.arch\')}"\n}\n' }, /build\.gradle:2 .*os\.arch/],
  ['osdetector in Gradle Kotlin', GRADLE, { 'app/build.gradle.kts': 'dependencies {\n  implementation("io.netty:netty-tcnative-boringssl-static:2.0.61.Final:${osdetector.classifier}")\n}\n' }, /app\/build\.gradle\.kts:2 .*osdetector\.classifier/],
  ['cmake-maven-plugin', MAVEN, { 'pom.xml': pom('<build><plugins><plugin><groupId>com.googlecode.cmake-maven-project</groupId>\n<artifactId>cmake-maven-plugin</artifactId></plugin></plugins></build>') }, /pom\.xml:\d+ .*cmake-maven-plugin.*JNI/],
  ['nar-maven-plugin', MAVEN, { 'lib/pom.xml': pom('<build><plugins><plugin>\n<artifactId>nar-maven-plugin</artifactId></plugin></plugins></build>') }, /lib\/pom\.xml:\d+ .*nar-maven-plugin/],
  ['exec-maven-plugin running make', MAVEN, { 'pom.xml': pom('<build><plugins><plugin><artifactId>exec-maven-plugin</artifactId>\n<configuration>\n<executable>make</executable></configuration></plugin></plugins></build>') }, /pom\.xml:\d+ .*runs `make`/],
  ['Gradle cpp-library', GRADLE, { 'build.gradle.kts': 'plugins {\n  `cpp-library`\n  java\n}\n' }, /build\.gradle\.kts:2 .*cpp-library/],
  ['Gradle externalNativeBuild', GRADLE, { 'build.gradle': 'android {\n  externalNativeBuild {\n    cmake { path "CMakeLists.txt" }\n  }\n}\n' }, /build\.gradle:2 .*externalNativeBuild/],
  ['Gradle exec of cmake', GRADLE, { 'build.gradle': 'task jni(type: Exec) {\n  commandLine "cmake", "--build", "native"\n}\n' }, /build\.gradle:2 .*runs `cmake`/]
])('%s stays emulated, with the reason', (_name, dockerfile, files, reason) => {
  const p = plan(dockerfile, { files: { ...(files as Record<string, string>) } });
  expect(p.rewrittenText).toBeUndefined();
  expect(p.platforms[1]!.strategy).toBe('emulated');
  expect(p.platforms[1]!.reasons.join('\n')).toMatch(reason);
});

test.each([
  ['a plain Maven build', MAVEN, { 'pom.xml': pom('<dependencies><dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></dependency></dependencies>') }],
  // protoc runs on the build machine and its generated Java is the same for every target.
  ['protoc picked by os.detected.classifier', MAVEN, { 'pom.xml': pom('<build><extensions><extension><groupId>kr.motd.maven</groupId><artifactId>os-maven-plugin</artifactId></extension></extensions>\n<plugins><plugin><artifactId>protobuf-maven-plugin</artifactId><configuration>\n<protocArtifact>com.google.protobuf:protoc:3.25.1:exe:${os.detected.classifier}</protocArtifact>\n<pluginArtifact>io.grpc:protoc-gen-grpc-java:1.60.0:exe:${os.detected.classifier}</pluginArtifact>\n</configuration></plugin></plugins></build>') }],
  ['protoc-jar', MAVEN, { 'pom.xml': pom('<build><plugins><plugin><groupId>com.github.os72</groupId><artifactId>protoc-jar-maven-plugin</artifactId></plugin></plugins></build>') }],
  // The GraalVM plugin in a profile only runs with -Pnative; Gradle's nativeCompile only when asked for.
  ['a GraalVM plugin only in a profile', MAVEN, { 'pom.xml': pom('<profiles><profile><id>native</id><build><plugins><plugin><groupId>org.graalvm.buildtools</groupId><artifactId>native-maven-plugin</artifactId>\n<executions><execution><goals><goal>compile-no-fork</goal></goals></execution></executions></plugin></plugins></build></profile></profiles>') }],
  ['the GraalVM Gradle plugin applied, bootJar built', GRADLE, { 'build.gradle': 'plugins {\n  id "org.graalvm.buildtools.native" version "0.10.2"\n}\n' }],
  // spring-boot:build-image makes a separate image with buildpacks through a Docker daemon; it puts nothing in this one.
  ['spring-boot:build-image', MAVEN.replace('mvn -B package', 'mvn -B package spring-boot:build-image'), {}]
])('%s is still rewritten', (_name, dockerfile, files) => {
  const p = plan(dockerfile, { files: { ...(files as Record<string, string>) } });
  expect(p.platforms[1]!.strategy).toBe('cross');
  expect(p.rewrittenText).toContain('FROM --platform=$BUILDPLATFORM');
});
