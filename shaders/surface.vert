// Translucent boundary surfaces (smile_viewer._vispy.visuals.surfaces.BoundarySurfaceVisual):
// magnetopause and bow shock. Positions and normals in the visual's frame (R_E). The facing
// term |n.e| (e: towards the viewer, found like earth.vert does, so perspective counts) is
// computed per vertex: the meshes are fine enough, and software OpenGL is fill-rate bound.
attribute vec3 a_position;
attribute vec3 a_normal;

varying float v_facing;    // |n.e|: 1 facing the viewer, 0 edge-on
varying float v_x;         // X (R_E, visual frame) for the constant-X rings

void main() {
    v_x = a_position.x;
    gl_Position = $transform(vec4(a_position, 1.0));

    vec4 pos_doc = $visual_to_doc(vec4(a_position, 1.0));
    pos_doc /= pos_doc.w;
    vec4 front = pos_doc;
    vec4 back = pos_doc;
    front.z -= 1e-5;
    back.z += 1e-5;
    front = $doc_to_visual(front);
    back = $doc_to_visual(back);
    vec3 eye = normalize(front.xyz / front.w - back.xyz / back.w);
    v_facing = abs(dot(normalize(a_normal), eye));
}
